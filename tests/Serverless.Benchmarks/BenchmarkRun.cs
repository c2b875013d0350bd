using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;

namespace Serverless.Benchmarks;

/// <summary>The whole run: start Azurite and the host, run the steps, print the table, write the JSON.</summary>
public static class BenchmarkRun
{
    public static async Task<BenchmarkReport> RunAsync(BenchmarkOptions options, TextWriter output, CancellationToken cancellationToken)
    {
        var problems = new List<string>();
        var report = new BenchmarkReport
        {
            Machine = MachineInfo.Current(),
            GitCommit = RunContext.GitCommit(),
            Timestamp = DateTimeOffset.UtcNow,
            Mode = options.SoakSeconds is not null ? "soak" : options.RoomChatOnly ? "room-chat" : options.InboxOnly ? "inbox" : options.Smoke ? "smoke" : "full",
            Options = options,
        };

        output.WriteLine($"Starting Azurite and the standalone host in-process ({report.Mode}) ...");
        await using (var host = await BenchmarkHost.StartAsync(options, cancellationToken))
        {
            report = options.SoakSeconds is { } seconds
                ? report with { Soak = await SoakStep.RunAsync(host, options, seconds, output, cancellationToken) }
                : options.RoomChatOnly
                ? report with { RoomChat = await RoomChatStep.RunAsync(host, options, cancellationToken) }
                : options.InboxOnly
                ? report with { InboxReads = await InboxReadStep.RunAsync(host, options, cancellationToken) }
                : await RunStepsAsync(host, options, report, output, problems, cancellationToken);
        }

        report = report with { Targets = ReportTable.Targets(report) };
        problems.AddRange(Check(report));
        report = report with { Problems = problems, Completed = problems.Count == 0 };

        ReportTable.Print(report, output);
        var path = Path.GetFullPath(options.OutputPath);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        await File.WriteAllTextAsync(path, report.ToJson(), cancellationToken);
        output.WriteLine($"Wrote {path}");
        return report;
    }

    private static async Task<BenchmarkReport> RunStepsAsync(
        BenchmarkHost host, BenchmarkOptions options, BenchmarkReport report, TextWriter log, List<string> problems, CancellationToken cancellationToken)
    {
        log.WriteLine($"1/6 ceiling: {options.CeilingInserts} single-entity inserts at concurrency {options.DeliveryConcurrency} ...");
        var ceiling = await CeilingStep.RunAsync(host, options, cancellationToken);
        report = report with { Ceiling = ceiling };

        // A small fan-out first, so JIT and first-use costs of the delivery path are not charged to the measured runs.
        await FanOutStep.RunAsync(host, "warm-up", "", [Users("warmup", 20)], 1, ceiling.InsertsPerSecond, options.SettleDelay, cancellationToken);

        var baseline = WorkingSetSampler.Current();
        await using var sampler = new WorkingSetSampler();
        var fanOuts = new List<FanOutResult>();
        var recipients = Users("fan", options.FanOutRecipients);
        var n = options.FanOutRecipients.ToString(CultureInfo.InvariantCulture);
        var e = options.SingleRecipientEvents.ToString(CultureInfo.InvariantCulture);

        log.WriteLine($"2/6 fan-out: one event to {n} fresh recipients, then again to the same {n} ...");
        fanOuts.Add(await FanOutStep.RunAsync(host, "fanout-cold", $"1 event to {n} fresh users (counter cache cold)",
            [recipients], 1, ceiling.InsertsPerSecond, options.SettleDelay, cancellationToken));
        fanOuts.Add(await FanOutStep.RunAsync(host, "fanout-warm", $"1 event to the same {n} users (counter cache warm)",
            [recipients], 1, ceiling.InsertsPerSecond, options.SettleDelay, cancellationToken));

        // Existing users this instance has not written (a new or scaled-out instance): the counter cache is emptied.
        host.Services.GetRequiredService<Serverless.Core.Inbox.InboxStore>().ForgetAll();
        fanOuts.Add(await FanOutStep.RunAsync(host, "fanout-existing-uncached", $"1 event to the same {n} users, counter cache emptied",
            [recipients], 1, ceiling.InsertsPerSecond, options.SettleDelay, cancellationToken));
        var peakFanOut = sampler.Peak;

        log.WriteLine($"2/6 {e} events to one distinct recipient each, then {e} events to one user ...");
        fanOuts.Add(await FanOutStep.RunAsync(host, "events-distinct", $"{e} events, each to its own fresh user, each with an Idempotency-Key",
            Users("single", options.SingleRecipientEvents).Select(u => (IReadOnlyList<string>)[u]).ToArray(), 16, ceiling.InsertsPerSecond, options.SettleDelay, cancellationToken,
            withIdempotencyKeys: true));
        fanOuts.Add(await FanOutStep.RunAsync(host, "events-same-user", $"{e} events to one user (hot partition)",
            Enumerable.Repeat<IReadOnlyList<string>>(["hot-user"], options.SingleRecipientEvents).ToArray(), 16, ceiling.InsertsPerSecond, options.SettleDelay, cancellationToken));
        var peakAll = sampler.Peak;
        report = report with { FanOuts = fanOuts, Memory = new MemoryResult(baseline, peakFanOut, peakAll) };

        log.WriteLine($"3/6 idle storage requests over {options.IdleWindow.TotalSeconds:0} s ...");
        report = report with { Idle = await MeasureIdleAsync(host, options, cancellationToken) };

        log.WriteLine($"4/6 latency: {options.LatencySamples} events, one at a time, to a connected SignalR client ...");
        report = report with { Latency = await LatencyStep.RunAsync(host, options, cancellationToken) };

        log.WriteLine($"5/6 inbox reads: seeding {options.InboxRows} notifications for one user, then {options.InboxRepetitions} reads of pages 1 and 10 ...");
        report = report with { InboxReads = await InboxReadStep.RunAsync(host, options, cancellationToken) };

        log.WriteLine($"6/6 room chat: {options.ChatLatencySamples} posts to {options.ChatListeners} connected members, then {options.ChatPosters} members posting in one room for {options.ChatSeconds:0} s ...");
        report = report with { RoomChat = await RoomChatStep.RunAsync(host, options, cancellationToken) };

        foreach (var fanOut in fanOuts.Where(f => f.Delivered != f.ExpectedDeliveries))
        {
            problems.Add($"{fanOut.Name}: delivered {fanOut.Delivered} of {fanOut.ExpectedDeliveries}.");
        }

        return report;
    }

    private static string[] Users(string prefix, int count) =>
        Enumerable.Range(0, count).Select(i => $"{prefix}-{i.ToString("D5", CultureInfo.InvariantCulture)}").ToArray();

    private static async Task<IdleResult> MeasureIdleAsync(BenchmarkHost host, BenchmarkOptions options, CancellationToken cancellationToken)
    {
        host.Requests.Reset();
        host.Ledger.Reset();
        var started = Stopwatch.GetTimestamp();
        await Task.Delay(options.IdleWindow, cancellationToken);
        var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        var (table, queue, blob) = (host.Requests.Table, host.Requests.Queue, host.Requests.Blob);
        return new IdleResult(seconds, table, queue, blob, (table + queue + blob) / seconds, host.Ledger.Snapshot());
    }

    /// <summary>Every figure present and sane; targets are reported, never failed on.</summary>
    private static IEnumerable<string> Check(BenchmarkReport report)
    {
        if (report.Soak is { } soak)
        {
            if (soak.Delivered != soak.ExpectedDeliveries || soak.Duplicates != 0 || soak.RecipientsWrong != 0)
            {
                yield return $"soak: delivered {soak.Delivered} of {soak.ExpectedDeliveries}, {soak.Duplicates} duplicates, {soak.RecipientsWrong} recipients not exactly once.";
            }

            if (soak.ServerErrors != 0)
            {
                yield return $"soak: {soak.ServerErrors} 5xx responses.";
            }

            yield break;
        }

        if (report.Mode == "room-chat")
        {
            foreach (var problem in CheckRoomChat(report))
            {
                yield return problem;
            }

            yield break;
        }

        if (report.Mode == "inbox")
        {
            if (report.InboxReads?.Lists is null)
            {
                yield return "inbox: the step did not produce its figures.";
            }

            yield break;
        }

        if (report.Ceiling is null || report.Latency is null || report.InboxReads is null || report.Memory is null || report.Idle is null)
        {
            yield return "a step did not produce its figures.";
            yield break;
        }

        if (report.Latency.Missing > 0)
        {
            yield return $"latency: {report.Latency.Missing} notificationCreated messages never arrived.";
        }

        foreach (var problem in CheckRoomChat(report))
        {
            yield return problem;
        }
    }

    private static IEnumerable<string> CheckRoomChat(BenchmarkReport report)
    {
        if (report.RoomChat is not { } chat)
        {
            yield return "room chat: the step did not produce its figures.";
            yield break;
        }

        if (chat.LatencyMissing > 0 || chat.ServerErrors > 0 || chat.OtherErrors > 0 || chat.MembersExactlyOnceInOrder != chat.Posters)
        {
            yield return $"room chat: {chat.LatencyMissing} latency deliveries missing, {chat.ServerErrors} x 5xx, {chat.OtherErrors} other errors, " +
                $"{chat.MembersExactlyOnceInOrder} of {chat.Posters} members got every message exactly once in order.";
        }
    }
}
