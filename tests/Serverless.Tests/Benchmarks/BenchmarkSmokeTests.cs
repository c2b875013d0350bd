using System.Text.Json;
using Serverless.Benchmarks;

namespace Serverless.Tests.Benchmarks;

/// <summary>
/// Runs the benchmark's smoke mode in-process (its own Azurite and host). Checks only that every figure is there and sane;
/// timings and targets depend on the machine and are never asserted.
/// </summary>
public sealed class BenchmarkSmokeTests
{
    [Fact]
    public async Task SmokeRun_Completes_WithEveryFigurePresentAndSane()
    {
        var output = Path.Combine(Path.GetTempPath(), "benchmark-smoke-" + Guid.NewGuid().ToString("N") + ".json");
        using var log = new StringWriter();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        try
        {
            var report = await BenchmarkRun.RunAsync(BenchmarkOptions.SmokeSizes(output), log, timeout.Token);

            Assert.True(report.Completed, log.ToString());
            Assert.Empty(report.Problems);
            Assert.NotEqual("", report.GitCommit);
            Assert.True(report.Machine.Cores > 0);

            var ceiling = Assert.IsType<CeilingResult>(report.Ceiling);
            Assert.Equal(200, ceiling.Inserts);
            Assert.True(ceiling.InsertsPerSecond > 0);

            Assert.Equal(["fanout-cold", "fanout-warm", "fanout-existing-uncached", "events-distinct", "events-same-user"], report.FanOuts.Select(f => f.Name));
            foreach (var fanOut in report.FanOuts)
            {
                Assert.Equal(50, fanOut.ExpectedDeliveries);
                Assert.Equal(fanOut.ExpectedDeliveries, fanOut.Delivered);
                Assert.Equal(0, fanOut.Duplicates);
                Assert.True(fanOut.Seconds > 0 && fanOut.RowsPerSecond > 0 && fanOut.RatioToCeiling > 0, fanOut.Name);

                // A transaction carries at most 49 deliveries (coalesced for one user), so fewer would be a counting bug.
                Assert.True(fanOut.Transactions.Table >= (fanOut.Delivered + 48) / 49, fanOut.Name);
                Assert.Equal(fanOut.Transactions.Table + fanOut.Transactions.Queue + fanOut.Transactions.Blob, fanOut.Transactions.Total);
                Assert.True(fanOut.TrailingQueueDeletes >= 0 && fanOut.PerDeliveryWithTrailingDeletes >= fanOut.Transactions.PerDelivery, fanOut.Name);
                Assert.True(fanOut.MaxStorageRequestsInFlight > 0, fanOut.Name);
            }

            var idle = Assert.IsType<IdleResult>(report.Idle);
            Assert.True(idle.Seconds > 0 && idle.Queue > 0 && idle.RequestsPerSecond > 0);

            var latency = Assert.IsType<LatencyResult>(report.Latency);
            Assert.Equal(20, latency.Samples);
            Assert.Equal(0, latency.Missing);
            Assert.True(latency.P50Ms > 0 && latency.P95Ms >= latency.P50Ms && latency.P99Ms >= latency.P95Ms && latency.MaxMs >= latency.P99Ms);
            Assert.True(latency.PublishRoundTripP50Ms > 0);

            var reads = Assert.IsType<InboxReadResult>(report.InboxReads);
            Assert.Equal(200, reads.Rows);
            Assert.Equal(20, reads.Repetitions);
            Assert.True(reads.FirstPageP50Ms > 0 && reads.FirstPageP99Ms >= reads.FirstPageP50Ms);
            Assert.True(reads.TenthPageP50Ms > 0 && reads.TenthPageP99Ms >= reads.TenthPageP50Ms);
            Assert.True(reads.TableRequestsPerFirstPage >= 1 && reads.TableRequestsPerTenthPage >= 1);

            // q and order=unread_first on the same inbox: the pages hold what the seed put there.
            var lists = Assert.IsType<InboxListResult>(reads.Lists);
            Assert.Equal(20, lists.SearchCommonWord.Items);
            Assert.True(lists.SearchCommonWord.HasNextCursor);
            Assert.Equal(1, lists.SearchRareWord.Items); // row 0 of 200
            Assert.False(lists.SearchRareWord.HasNextCursor);
            Assert.Equal(20, lists.UnreadFirstFirstPage.Items);
            Assert.Equal(20, lists.UnreadFirstTenthPage.Items);
            foreach (var figure in new[] { lists.SearchCommonWord, lists.SearchRareWord, lists.UnreadFirstFirstPage, lists.UnreadFirstTenthPage })
            {
                Assert.True(figure.P50Ms > 0 && figure.P95Ms >= figure.P50Ms && figure.TableRequestsPerPage >= 2, figure.ToString());
            }

            var chat = Assert.IsType<RoomChatResult>(report.RoomChat);
            Assert.Equal(10 * 10, chat.LatencySamples);
            Assert.Equal(0, chat.LatencyMissing);
            Assert.True(chat.LatencyP50Ms > 0 && chat.LatencyP99Ms >= chat.LatencyP50Ms && chat.LatencyMaxMs >= chat.LatencyP99Ms);
            Assert.True(chat.Posts > 0 && chat.PostsPerSecond > 0);
            Assert.Equal(0, chat.ServerErrors);
            Assert.Equal(chat.Posts * chat.Posters, chat.ExpectedDeliveries);
            Assert.Equal(chat.ExpectedDeliveries, chat.Deliveries);
            Assert.Equal(chat.Posters, chat.MembersExactlyOnceInOrder);

            var memory = Assert.IsType<MemoryResult>(report.Memory);
            Assert.True(memory.BaselineBytes > 0 && memory.PeakDuringAllDeliveryStepsBytes >= memory.PeakDuringFanOutBytes);

            Assert.Equal(10, report.Targets.Count);
            Assert.Contains("Targets (reported, not enforced)", log.ToString());

            using var json = JsonDocument.Parse(await File.ReadAllTextAsync(output));
            Assert.Equal(report.GitCommit, json.RootElement.GetProperty("gitCommit").GetString());
            Assert.Equal(5, json.RootElement.GetProperty("fanOuts").GetArrayLength());
        }
        finally
        {
            File.Delete(output);
        }
    }
}
