using Azure;
using Azure.Data.Tables;
using Serverless.Core.Storage;

namespace Serverless.Core.Health;

/// <summary>Whether Table, Queue and Blob answer at all. Any storage answer (even 404) means reachable; only a transport failure or time-out does not.</summary>
public sealed class StorageHealthCheck(StorageAccount account)
{
    private const string ProbeName = "healthprobe";

    public async Task<HealthReport> CheckAsync(TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(timeout);
        var table = ProbeAsync(() => account.GetTableClient(ProbeName).GetEntityOrDefaultAsync("probe", "probe", cancellationToken: cts.Token));
        var queue = ProbeAsync(() => account.GetQueueClient(ProbeName).GetPropertiesAsync(cts.Token));
        var blob = ProbeAsync(() => account.GetBlobContainerClient(ProbeName).GetBlobClient("probe").GetPropertiesAsync(cancellationToken: cts.Token));
        await Task.WhenAll(table, queue, blob);
        return new HealthReport(await table, await queue, await blob);
    }

    private static async Task<bool> ProbeAsync(Func<Task> probe)
    {
        try
        {
            await probe();
            return true;
        }
        catch (RequestFailedException ex) when (ex.Status > 0)
        {
            return true;
        }
        catch (Exception)
        {
            return false;
        }
    }
}

/// <summary>Reachability of each storage service.</summary>
public sealed record HealthReport(bool Table, bool Queue, bool Blob)
{
    public bool Healthy => Table && Queue && Blob;

    public IReadOnlyList<string> Unreachable =>
        new[] { (Table, "table"), (Queue, "queue"), (Blob, "blob") }.Where(x => !x.Item1).Select(x => x.Item2).ToArray();
}
