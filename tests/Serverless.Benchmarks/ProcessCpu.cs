using System.Diagnostics;
using System.Globalization;

namespace Serverless.Benchmarks;

/// <summary>
/// CPU seconds used by this process (benchmark + in-process host) and by the Azurite child (node), so each scenario
/// shows which side was busy. Azurite is found through /proc on Linux; elsewhere its figure is NaN.
/// </summary>
public static class ProcessCpu
{
    public static (double Host, double Azurite) Now()
    {
        using var self = Process.GetCurrentProcess();
        return (self.TotalProcessorTime.TotalSeconds, AzuriteSeconds());
    }

    private static double AzuriteSeconds()
    {
        if (!OperatingSystem.IsLinux())
        {
            return double.NaN;
        }

        var self = Environment.ProcessId.ToString(CultureInfo.InvariantCulture);
        var ticksPerSecond = 100.0; // USER_HZ, 100 on every mainstream Linux build
        var total = 0.0;
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            try
            {
                var cmdline = File.ReadAllText(Path.Combine(dir, "cmdline"));
                if (!cmdline.Contains("azurite", StringComparison.Ordinal))
                {
                    continue;
                }

                // Fields after the parenthesised command name: state ppid ... utime(14) stime(15), 1-based.
                var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                if (fields[1] == self)
                {
                    total += (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / ticksPerSecond;
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
            {
                // The process ended or is not ours to read.
            }
        }

        return total;
    }
}
