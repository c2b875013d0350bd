using System.Globalization;
using static Serverless.Benchmarks.RunContext;

namespace Serverless.Benchmarks;

/// <summary>The printed table and the PASS/MISS targets of the issue.</summary>
public static class ReportTable
{
    public static IReadOnlyList<TargetCheck> Targets(BenchmarkReport report)
    {
        var targets = new List<TargetCheck>();
        var ceiling = report.Ceiling?.InsertsPerSecond;
        foreach (var fanOut in report.FanOuts.Where(f => f.Name.StartsWith("fanout-", StringComparison.Ordinal)))
        {
            targets.Add(new($"{fanOut.Name}: rows/s >= 0.5 x ceiling",
                $"{Format(fanOut.RowsPerSecond)}/s = {Format(fanOut.RatioToCeiling, "0.00")} x {Format(ceiling ?? double.NaN)}/s",
                fanOut.RatioToCeiling >= 0.5));
            targets.Add(new($"{fanOut.Name}: storage transactions per delivery <= 1.1",
                Format(fanOut.Transactions.PerDelivery, "0.000"), fanOut.Transactions.PerDelivery <= 1.1));
        }

        if (report.FanOuts.FirstOrDefault(f => f.Name == "events-distinct") is { } distinct)
        {
            targets.Add(new("events-distinct: storage transactions per delivery <= 1.3 (idempotency included)",
                Format(distinct.PerDeliveryWithTrailingDeletes, "0.000"), distinct.PerDeliveryWithTrailingDeletes <= 1.3));
        }

        if (report.FanOuts.FirstOrDefault(f => f.Name == "events-same-user") is { } same)
        {
            targets.Add(new("events-same-user: rows/s >= 0.5 x ceiling",
                $"{Format(same.RowsPerSecond)}/s = {Format(same.RatioToCeiling, "0.00")} x {Format(ceiling ?? double.NaN)}/s", same.RatioToCeiling >= 0.5));
        }

        if (report.Latency is { } latency)
        {
            targets.Add(new("publish-to-receipt p99 <= 3 x p50",
                $"{Format(latency.P99Ms)} ms vs 3 x {Format(latency.P50Ms)} ms", latency.P99Ms <= 3 * latency.P50Ms));
        }

        if (report.InboxReads is { } reads)
        {
            targets.Add(new("inbox tenth page p50 <= 2 x first page p50",
                $"{Format(reads.TenthPageP50Ms, "0.00")} ms vs 2 x {Format(reads.FirstPageP50Ms, "0.00")} ms", reads.TenthPageP50Ms <= 2 * reads.FirstPageP50Ms));
        }

        if (report.Soak is { } soak)
        {
            targets.Add(new("soak: no 5xx responses", soak.ServerErrors.ToString(CultureInfo.InvariantCulture), soak.ServerErrors == 0));
            targets.Add(new("soak: every accepted event delivered exactly once",
                $"{soak.RecipientsVerified} of {soak.ExpectedDeliveries} recipients exact, {soak.Duplicates} duplicates",
                soak.RecipientsWrong == 0 && soak.Duplicates == 0 && soak.RecipientsVerified == soak.ExpectedDeliveries));

            // "Near its start": the working set may keep some committed GC segments, so a quarter above start is allowed.
            targets.Add(new("soak: working set after forced GC <= 1.25 x start",
                $"{Megabytes(soak.WorkingSetEndAfterGcBytes)} vs {Megabytes(soak.WorkingSetStartBytes)} (peak {Megabytes(soak.WorkingSetPeakBytes)})",
                soak.WorkingSetEndAfterGcBytes <= 1.25 * soak.WorkingSetStartBytes));
        }

        return targets;
    }

    public static void Print(BenchmarkReport report, TextWriter output)
    {
        var rows = new List<(string Step, string Figure, string Value)>();
        var m = report.Machine;
        output.WriteLine();
        output.WriteLine($"Benchmark ({report.Mode}) {report.Timestamp:yyyy-MM-dd HH:mm:ss}Z  commit {report.GitCommit}");
        output.WriteLine($"Machine: {m.Cores} cores, {Megabytes(m.MemoryBytes)}, {m.Os}, {m.Runtime}. Host in-process; Azurite {(report.Mode == "soak" ? "" : "and Node ")}in child processes.");

        if (report.Ceiling is { } c)
        {
            rows.Add(("1 ceiling", $"{c.Inserts} AddEntityAsync at concurrency {c.Concurrency}", $"{Format(c.InsertsPerSecond)} inserts/s (1.00 x); CPU s host {Format(c.HostCpuSeconds)} / Azurite {Format(c.AzuriteCpuSeconds)} in {Format(c.Seconds)} s"));
        }

        foreach (var f in report.FanOuts)
        {
            rows.Add(("2 throughput", $"{f.Name}: {f.Description}",
                $"{Format(f.RowsPerSecond)} rows/s ({Format(f.RatioToCeiling, "0.00")} x ceiling), {f.Delivered}/{f.ExpectedDeliveries} in {Format(f.Seconds, "0.00")} s; publishing took {Format(f.PublishSeconds, "0.00")} s; CPU s host {Format(f.HostCpuSeconds)} / Azurite {Format(f.AzuriteCpuSeconds)}"));
        }

        foreach (var f in report.FanOuts)
        {
            var t = f.Transactions;
            rows.Add(("3 storage", $"{f.Name}: per delivery (table/queue/blob)",
                $"{Format(t.PerDelivery, "0.000")} = {t.Total} ({t.Table}/{t.Queue}/{t.Blob}) / {f.Delivered}; +{f.TrailingQueueDeletes} trailing deletes = {Format(f.PerDeliveryWithTrailingDeletes, "0.000")}; max in flight {f.MaxStorageRequestsInFlight}"));
        }

        if (report.Idle is { } idle)
        {
            rows.Add(("3 storage", "idle host (queue polling)",
                $"{Format(idle.RequestsPerSecond, "0.00")} requests/s ({idle.Table}/{idle.Queue}/{idle.Blob} in {Format(idle.Seconds)} s)"));
        }

        if (report.Latency is { } l)
        {
            rows.Add(("4 latency", $"202 -> notificationCreated, {l.Samples} events", $"p50 {Format(l.P50Ms, "0.00")} ms, p95 {Format(l.P95Ms, "0.00")} ms, p99 {Format(l.P99Ms, "0.00")} ms, max {Format(l.MaxMs, "0.00")} ms"));
            rows.Add(("4 latency", "split at row commit: 202 -> commit, commit -> received", $"p50 {Format(l.ToCommitP50Ms, "0.00")} / p99 {Format(l.ToCommitP99Ms, "0.00")} ms, p50 {Format(l.CommitToReceiptP50Ms, "0.00")} / p99 {Format(l.CommitToReceiptP99Ms, "0.00")} ms"));
            rows.Add(("4 latency", "publish round trip (POST -> 202) p50", $"{Format(l.PublishRoundTripP50Ms, "0.00")} ms; missing {l.Missing}"));
            rows.Add(("4 latency", "POST sent -> notificationCreated", $"p50 {Format(l.SendToReceiptP50Ms, "0.00")} ms, p99 {Format(l.SendToReceiptP99Ms, "0.00")} ms"));
            rows.Add(("4 latency", "storage floor: queue receive + 3-entity transaction, no product", $"p50 {Format(l.StorageFloorP50Ms, "0.00")} ms, p99 {Format(l.StorageFloorP99Ms, "0.00")} ms ({Format(l.StorageFloorP99Ms / l.StorageFloorP50Ms, "0.0")} x)"));
        }

        if (report.InboxReads is { } r)
        {
            rows.Add(("5 inbox", $"seed {r.Rows} rows via InboxStore.DeliverManyAsync (49 per transaction)", $"{Format(r.SeedSeconds)} s ({Format(r.Rows / r.SeedSeconds)} rows/s)"));
            rows.Add(("5 inbox", $"first page, {r.Repetitions} reads", $"p50 {Format(r.FirstPageP50Ms, "0.00")} ms, p99 {Format(r.FirstPageP99Ms, "0.00")} ms, {Format(r.TableRequestsPerFirstPage, "0.0")} table requests"));
            rows.Add(("5 inbox", $"tenth page, {r.Repetitions} reads", $"p50 {Format(r.TenthPageP50Ms, "0.00")} ms, p99 {Format(r.TenthPageP99Ms, "0.00")} ms, {Format(r.TableRequestsPerTenthPage, "0.0")} table requests"));
            rows.Add(("5 inbox", $"afterSeq=0&limit=100 (oldest page), {r.WorstCaseRepetitions} reads", $"p50 {Format(r.AfterSeqOldestPageP50Ms, "0.00")} ms, p99 {Format(r.AfterSeqOldestPageP99Ms, "0.00")} ms, {Format(r.TableRequestsPerAfterSeqOldestPage, "0.0")} table requests"));
            rows.Add(("5 inbox", $"afterSeq=0&limit=1&type=<none match>, {r.WorstCaseRepetitions} reads", $"p50 {Format(r.AfterSeqFilterMatchingNothingP50Ms, "0.00")} ms, p99 {Format(r.AfterSeqFilterMatchingNothingP99Ms, "0.00")} ms, {Format(r.TableRequestsPerAfterSeqFilterMatchingNothing, "0.0")} table requests"));
            rows.Add(("5 inbox", $"limit=20&type=<none match> (newest first), {r.WorstCaseRepetitions} reads", $"p50 {Format(r.NewestFirstFilterMatchingNothingP50Ms, "0.00")} ms, p99 {Format(r.NewestFirstFilterMatchingNothingP99Ms, "0.00")} ms, {Format(r.TableRequestsPerNewestFirstFilterMatchingNothing, "0.0")} table requests"));
            rows.Add(("5 inbox", $"mark-all-read of {r.MarkAllReadRows} unread", $"{Format(r.MarkAllReadMs, "0")} ms, {r.MarkAllReadTableRequests} table requests"));
            if (r.Lists is { } lists)
            {
                static string Figure(InboxListFigure f) =>
                    $"p50 {Format(f.P50Ms, "0.00")} ms, p95 {Format(f.P95Ms, "0.00")} ms, {Format(f.TableRequestsPerPage, "0.0")} table requests; {f.Items} items, nextCursor {(f.HasNextCursor ? "yes" : "no")}";
                rows.Add(("5 inbox", $"q={InboxListStep.CommonWord} (every row), first page, {lists.Repetitions} reads", Figure(lists.SearchCommonWord)));
                rows.Add(("5 inbox", $"q={InboxListStep.RareWord} (1 row in {InboxListStep.RareEvery}), first page, {lists.Repetitions} reads", Figure(lists.SearchRareWord)));
                rows.Add(("5 inbox", $"order=unread_first, newest {lists.FreshUnread} unread of {lists.Rows} (second user, seeded in {Format(lists.UnreadFirstSeedSeconds)} s), first page", Figure(lists.UnreadFirstFirstPage)));
                rows.Add(("5 inbox", "order=unread_first, tenth page (read phase)", Figure(lists.UnreadFirstTenthPage)));
            }
        }

        if (report.RoomChat is { } chat)
        {
            rows.Add(("6 room chat", $"POST /messages -> messageCreated at {chat.Listeners} members, {chat.LatencySamples} deliveries",
                $"p50 {Format(chat.LatencyP50Ms, "0.00")} ms, p99 {Format(chat.LatencyP99Ms, "0.00")} ms, max {Format(chat.LatencyMaxMs, "0.00")} ms; POST p50 {Format(chat.PostRoundTripP50Ms, "0.00")} ms; missing {chat.LatencyMissing}"));
            rows.Add(("6 room chat", $"{chat.Posters} members posting in one room for {Format(chat.LoadSeconds)} s",
                $"{Format(chat.PostsPerSecond)} posts/s ({chat.Posts}); {chat.ServerErrors} x 5xx, {chat.RateLimited} x 429, {chat.OtherErrors} other; POST p50 {Format(chat.LoadPostP50Ms, "0.00")} / p99 {Format(chat.LoadPostP99Ms, "0.00")} ms; {Format(chat.TableRequestsPerPost, "0.00")} table requests per post"));
            rows.Add(("6 room chat", "under that load: post -> messageCreated at every member",
                $"p50 {Format(chat.LoadDeliveryP50Ms, "0.00")} / p99 {Format(chat.LoadDeliveryP99Ms, "0.00")} ms; {chat.Deliveries}/{chat.ExpectedDeliveries} deliveries; {chat.MembersExactlyOnceInOrder}/{chat.Posters} members exactly once in seq order"));
        }

        if (report.Memory is { } mem)
        {
            rows.Add(("7 memory", "working set: baseline / peak one-event fan-outs / peak all delivery",
                $"{Megabytes(mem.BaselineBytes)} / {Megabytes(mem.PeakDuringFanOutBytes)} / {Megabytes(mem.PeakDuringAllDeliveryStepsBytes)}"));
        }

        if (report.Soak is { } s)
        {
            rows.Add(("soak", $"{s.Workers} workers, {s.Seconds} s, 80% reads / 20% publishes",
                $"{Format(s.ReadsPerSecond)} reads/s + {Format(s.PublishesPerSecond)} publishes/s ({s.Reads} + {s.Publishes})"));
            rows.Add(("soak", "read p50/p99, publish p50/p99",
                $"{Format(s.ReadP50Ms, "0.00")}/{Format(s.ReadP99Ms, "0.00")} ms, {Format(s.PublishP50Ms, "0.00")}/{Format(s.PublishP99Ms, "0.00")} ms"));
            rows.Add(("soak", "5xx / other failures", $"{s.ServerErrors} / {s.OtherFailures}"));
            rows.Add(("soak", "delivered exactly once",
                $"{s.Delivered}/{s.ExpectedDeliveries} deliveries, {s.Duplicates} duplicates, {s.RecipientsVerified} recipients verified, {s.RecipientsWrong} wrong; drained in {Format(s.DrainSeconds)} s"));
            rows.Add(("soak", "working set start / peak / end after GC",
                $"{Megabytes(s.WorkingSetStartBytes)} / {Megabytes(s.WorkingSetPeakBytes)} / {Megabytes(s.WorkingSetEndAfterGcBytes)}"));
            rows.Add(("soak", "managed heap start / end after GC", $"{Megabytes(s.ManagedHeapStartBytes)} / {Megabytes(s.ManagedHeapEndAfterGcBytes)}"));
        }

        var stepWidth = Math.Max(4, rows.Count == 0 ? 4 : rows.Max(x => x.Step.Length));
        var figureWidth = Math.Max(6, rows.Count == 0 ? 6 : rows.Max(x => x.Figure.Length));
        output.WriteLine();
        output.WriteLine($"{"Step".PadRight(stepWidth)} | {"Figure".PadRight(figureWidth)} | Value");
        output.WriteLine($"{new string('-', stepWidth)}-+-{new string('-', figureWidth)}-+-{new string('-', 40)}");
        foreach (var (step, figure, value) in rows)
        {
            output.WriteLine($"{step.PadRight(stepWidth)} | {figure.PadRight(figureWidth)} | {value}");
        }

        if (report.Targets.Count > 0)
        {
            output.WriteLine();
            output.WriteLine("Targets (reported, not enforced):");
            foreach (var t in report.Targets)
            {
                output.WriteLine($"  {(t.Pass ? "PASS" : "MISS")}  {t.Target}: {t.Measured}");
            }
        }

        foreach (var problem in report.Problems)
        {
            output.WriteLine("PROBLEM: " + problem);
        }

        output.WriteLine(report.Completed ? "Completed." : "Did not complete cleanly.");
        if (report.FanOuts.Count > 0)
        {
            output.WriteLine($"Storage requests by operation in the cold one-event fan-out: {Operations(report, "fanout-cold")}");
            output.WriteLine($"... and in the warm one: {Operations(report, "fanout-warm")}");
        }
    }

    private static string Operations(BenchmarkReport report, string name) =>
        report.FanOuts.FirstOrDefault(f => f.Name == name) is { } f
            ? string.Join(", ", f.Transactions.ByOperation.Select(p => $"{p.Key} {p.Value}"))
            : "n/a";
}
