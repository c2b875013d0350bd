namespace Serverless.Benchmarks;

/// <summary>Nearest-rank percentiles of a sample, in the sample's unit.</summary>
public static class Percentiles
{
    public static double Of(IReadOnlyCollection<double> samples, double percentile)
    {
        if (samples.Count == 0)
        {
            return double.NaN;
        }

        var sorted = samples.Order().ToArray();
        var rank = (int)Math.Ceiling(percentile / 100.0 * sorted.Length);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Length - 1)];
    }
}
