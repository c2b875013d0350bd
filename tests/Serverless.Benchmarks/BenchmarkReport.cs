using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Serialization;
using Serverless.Standalone.Development;

namespace Serverless.Benchmarks;

/// <summary>Everything one run measured; written as JSON to --out.</summary>
public sealed record BenchmarkReport
{
    public required MachineInfo Machine { get; init; }
    public required string GitCommit { get; init; }
    public required DateTimeOffset Timestamp { get; init; }
    public required string Mode { get; init; }
    public required BenchmarkOptions Options { get; init; }
    public bool Completed { get; init; }
    public IReadOnlyList<string> Problems { get; init; } = [];
    public CeilingResult? Ceiling { get; init; }
    public IReadOnlyList<FanOutResult> FanOuts { get; init; } = [];
    public IdleResult? Idle { get; init; }
    public LatencyResult? Latency { get; init; }
    public InboxReadResult? InboxReads { get; init; }
    public MemoryResult? Memory { get; init; }
    public SoakResult? Soak { get; init; }
    public RoomChatResult? RoomChat { get; init; }
    public IReadOnlyList<TargetCheck> Targets { get; init; } = [];

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    public string ToJson() => JsonSerializer.Serialize(this, Json);
}

public sealed record MachineInfo(int Cores, long MemoryBytes, string Os, string Runtime, string ProcessArchitecture)
{
    public static MachineInfo Current() => new(
        Environment.ProcessorCount,
        GC.GetGCMemoryInfo().TotalAvailableMemoryBytes,
        RuntimeInformation.OSDescription,
        RuntimeInformation.FrameworkDescription,
        RuntimeInformation.ProcessArchitecture.ToString());
}

/// <summary>Single-entity inserts per second through the SDK's TableClient.AddEntityAsync.</summary>
public sealed record CeilingResult(int Inserts, int Concurrency, double Seconds, double InsertsPerSecond, double HostCpuSeconds, double AzuriteCpuSeconds);

/// <summary>Storage requests in a window, by service, and per delivered notification.</summary>
public sealed record StorageTransactions(long Table, long Queue, long Blob, long Total, double PerDelivery, IReadOnlyDictionary<string, long> ByOperation);

/// <summary>One delivery scenario: rows per second from the first accepted publish to the last committed row.</summary>
public sealed record FanOutResult(
    string Name,
    string Description,
    int Events,
    long ExpectedDeliveries,
    long Delivered,
    long Duplicates,
    double Seconds,
    double PublishSeconds,
    double RowsPerSecond,
    double RatioToCeiling,
    StorageTransactions Transactions,
    long TrailingQueueDeletes,
    double PerDeliveryWithTrailingDeletes,
    int MaxStorageRequestsInFlight,
    double HostCpuSeconds,
    double AzuriteCpuSeconds);

/// <summary>Storage requests of the idle host (queue polling, timers).</summary>
public sealed record IdleResult(double Seconds, long Table, long Queue, long Blob, double RequestsPerSecond, IReadOnlyDictionary<string, long> ByOperation);

/// <summary>POST /api/v1/events accepted (202 read) to notificationCreated read from the Node client's stdout, one clock.</summary>
/// <remarks>Split at the row commit (the delivered meter): 202 -> committed is queue pickup + table batch; committed -> received is SignalR + Node.</remarks>
public sealed record LatencyResult(
    int Samples, int Missing, double P50Ms, double P95Ms, double P99Ms, double MaxMs, double PublishRoundTripP50Ms,
    double ToCommitP50Ms, double ToCommitP99Ms, double CommitToReceiptP50Ms, double CommitToReceiptP99Ms,
    double StorageFloorP50Ms, double StorageFloorP99Ms, double SendToReceiptP50Ms, double SendToReceiptP99Ms);

/// <summary>GET /api/v1/notifications?limit=20 for a user with <see cref="Rows"/> notifications.</summary>
public sealed record InboxReadResult(
    int Rows,
    double SeedSeconds,
    int Repetitions,
    double FirstPageP50Ms,
    double FirstPageP99Ms,
    double TenthPageP50Ms,
    double TenthPageP99Ms,
    double TableRequestsPerFirstPage,
    double TableRequestsPerTenthPage,
    int WorstCaseRepetitions,
    double AfterSeqOldestPageP50Ms,
    double AfterSeqOldestPageP99Ms,
    double TableRequestsPerAfterSeqOldestPage,
    double AfterSeqFilterMatchingNothingP50Ms,
    double AfterSeqFilterMatchingNothingP99Ms,
    double TableRequestsPerAfterSeqFilterMatchingNothing,
    double NewestFirstFilterMatchingNothingP50Ms,
    double NewestFirstFilterMatchingNothingP99Ms,
    double TableRequestsPerNewestFirstFilterMatchingNothing,
    int MarkAllReadRows,
    double MarkAllReadMs,
    long MarkAllReadTableRequests)
{
    /// <summary>q search and order=unread_first on the same inbox.</summary>
    public InboxListResult? Lists { get; init; }
}

/// <summary>Working set of this process (benchmark + in-process host; Azurite and Node are separate processes and not included).</summary>
public sealed record MemoryResult(long BaselineBytes, long PeakDuringFanOutBytes, long PeakDuringAllDeliveryStepsBytes);

public sealed record SoakResult(
    int Seconds,
    int Workers,
    long Reads,
    long Publishes,
    long AcceptedEvents,
    double ReadsPerSecond,
    double PublishesPerSecond,
    double ReadP50Ms,
    double ReadP99Ms,
    double PublishP50Ms,
    double PublishP99Ms,
    long ServerErrors,
    long OtherFailures,
    long ExpectedDeliveries,
    long Delivered,
    long Duplicates,
    double DrainSeconds,
    long RecipientsVerified,
    long RecipientsWrong,
    long WorkingSetStartBytes,
    long WorkingSetPeakBytes,
    long WorkingSetEndAfterGcBytes,
    long ManagedHeapStartBytes,
    long ManagedHeapEndAfterGcBytes);

public sealed record TargetCheck(string Target, string Measured, bool Pass);

/// <summary>Machine, commit and time of a run.</summary>
public static class RunContext
{
    public static string GitCommit()
    {
        try
        {
            var root = AzuriteProcess.FindRepositoryRoot();
            var head = Git(root, "rev-parse HEAD");
            var dirty = Git(root, "status --porcelain --untracked-files=no").Length > 0;
            return head + (dirty ? "+uncommitted" : "");
        }
        catch (Exception ex) when (ex is InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            return "unknown";
        }
    }

    private static string Git(string root, string arguments)
    {
        var info = new ProcessStartInfo("git", arguments) { WorkingDirectory = root, RedirectStandardOutput = true, UseShellExecute = false };
        using var git = Process.Start(info) ?? throw new InvalidOperationException("git did not start.");
        var output = git.StandardOutput.ReadToEnd().Trim();
        git.WaitForExit();
        return git.ExitCode == 0 ? output : throw new InvalidOperationException("git " + arguments + " failed.");
    }

    public static string Format(double value, string format = "0.0") =>
        double.IsFinite(value) ? value.ToString(format, CultureInfo.InvariantCulture) : "n/a";

    public static string Megabytes(long bytes) => (bytes / 1024.0 / 1024.0).ToString("0", CultureInfo.InvariantCulture) + " MB";
}
