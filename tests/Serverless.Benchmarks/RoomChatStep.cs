using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace Serverless.Benchmarks;

/// <summary>
/// Step 6, room chat. (a) Latency: one post at a time to a room whose members are connected with the real JavaScript
/// client; from sending POST /messages to messageCreated arriving at each member. (b) Load: every member of another room
/// posts as fast as its answers come back, concurrently, for a fixed time; then every member's received seqs must be
/// exactly 1..lastSeq in order (each message once, none missing, none out of order).
/// </summary>
public static class RoomChatStep
{
    private const int WarmUpPosts = 5;

    public static async Task<RoomChatResult> RunAsync(BenchmarkHost host, BenchmarkOptions options, CancellationToken cancellationToken)
    {
        var latency = await MeasureLatencyAsync(host, options, cancellationToken);
        return await MeasureLoadAsync(host, options, latency, cancellationToken);
    }

    private static async Task<(int Samples, int Missing, double P50, double P99, double Max, double PostP50)> MeasureLatencyAsync(
        BenchmarkHost host, BenchmarkOptions options, CancellationToken cancellationToken)
    {
        var owner = host.Token("chat-owner");
        var members = Enumerable.Range(0, options.ChatListeners).Select(i => $"chat-member-{i:D3}").ToArray();
        var roomId = await CreateRoomAsync(host, owner, members, "VIEWER", cancellationToken);
        await using var listeners = await RoomChatListeners.ConnectAsync(host.BaseAddress, members.Select(m => host.Token(m)).ToArray(), cancellationToken);
        await WaitUntilEveryoneHearsAsync(host, owner, roomId, listeners, cancellationToken);

        var latencies = new List<double>(options.ChatLatencySamples * members.Length);
        var posts = new List<double>(options.ChatLatencySamples);
        var missing = 0;
        for (var i = 0; i < WarmUpPosts + options.ChatLatencySamples; i++)
        {
            var sent = Stopwatch.GetTimestamp();
            var (status, seq) = await PostAsync(host, owner, roomId, $"latency {i}", cancellationToken);
            var answered = Stopwatch.GetTimestamp();
            if (status != 201)
            {
                throw new InvalidOperationException($"Posting returned {status}.");
            }

            long[] arrivals;
            try
            {
                arrivals = await listeners.AllReceivedAsync(seq).WaitAsync(TimeSpan.FromSeconds(10), cancellationToken);
            }
            catch (TimeoutException)
            {
                missing += i >= WarmUpPosts ? members.Length - listeners.ArrivalsOf(seq).Length : 0;
                continue;
            }

            if (i >= WarmUpPosts)
            {
                latencies.AddRange(arrivals.Select(a => Stopwatch.GetElapsedTime(sent, a).TotalMilliseconds));
                posts.Add(Stopwatch.GetElapsedTime(sent, answered).TotalMilliseconds);
            }

            await Task.Delay(options.LatencyGap, cancellationToken);
        }

        return (latencies.Count, missing, Percentiles.Of(latencies, 50), Percentiles.Of(latencies, 99),
            latencies.Count > 0 ? latencies.Max() : double.NaN, Percentiles.Of(posts, 50));
    }

    private static async Task<RoomChatResult> MeasureLoadAsync(
        BenchmarkHost host, BenchmarkOptions options, (int Samples, int Missing, double P50, double P99, double Max, double PostP50) latency, CancellationToken cancellationToken)
    {
        var owner = host.Token("chat-load-owner");
        var members = Enumerable.Range(0, options.ChatPosters).Select(i => $"chat-poster-{i:D3}").ToArray();
        var roomId = await CreateRoomAsync(host, owner, members, "EDITOR", cancellationToken);
        var tokens = members.Select(m => host.Token(m)).ToArray();
        await using var listeners = await RoomChatListeners.ConnectAsync(host.BaseAddress, tokens, cancellationToken);
        var baseline = await WaitUntilEveryoneHearsAsync(host, owner, roomId, listeners, cancellationToken);

        var sentAt = new System.Collections.Concurrent.ConcurrentDictionary<long, long>();
        var postLatencies = new System.Collections.Concurrent.ConcurrentBag<double>();
        long created = 0, serverErrors = 0, rateLimited = 0, otherErrors = 0;
        host.Requests.Reset();
        var started = Stopwatch.GetTimestamp();
        var deadline = started + (long)(options.ChatSeconds * Stopwatch.Frequency);
        await Task.WhenAll(tokens.Select((token, worker) => Task.Run(async () =>
        {
            for (var n = 0; Stopwatch.GetTimestamp() < deadline; n++)
            {
                var sent = Stopwatch.GetTimestamp();
                var (status, seq) = await PostAsync(host, token, roomId, $"load {worker}/{n}", cancellationToken);
                var answered = Stopwatch.GetTimestamp();
                switch (status)
                {
                    case 201:
                        Interlocked.Increment(ref created);
                        sentAt[seq] = sent;
                        postLatencies.Add(Stopwatch.GetElapsedTime(sent, answered).TotalMilliseconds);
                        break;
                    case >= 500:
                        Interlocked.Increment(ref serverErrors);
                        break;
                    case 429:
                        Interlocked.Increment(ref rateLimited);
                        break;
                    default:
                        Interlocked.Increment(ref otherErrors);
                        break;
                }
            }
        }, cancellationToken)));
        var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        var tableRequests = host.Requests.Table;

        // Let the last pushes arrive, then check every member's stream.
        var expected = created;
        var settleUntil = Stopwatch.GetTimestamp() + (30 * Stopwatch.Frequency);
        while (Stopwatch.GetTimestamp() < settleUntil && Enumerable.Range(0, listeners.Count).Any(c => listeners.SeqsOf(c).Count(s => s > baseline) < expected))
        {
            await Task.Delay(100, cancellationToken);
        }

        await Task.Delay(500, cancellationToken); // anything extra (a duplicate) would arrive now
        var wanted = Enumerable.Range(1, (int)expected).Select(i => baseline + i).ToArray();
        var membersExact = Enumerable.Range(0, listeners.Count).Count(c => listeners.SeqsOf(c).Where(s => s > baseline).SequenceEqual(wanted));
        var deliveries = Enumerable.Range(0, listeners.Count).Sum(c => (long)listeners.SeqsOf(c).Count(s => s > baseline));

        var deliveryLatencies = new List<double>();
        foreach (var (seq, sent) in sentAt)
        {
            deliveryLatencies.AddRange(listeners.ArrivalsOf(seq).Select(a => Stopwatch.GetElapsedTime(sent, a).TotalMilliseconds));
        }

        return new RoomChatResult(
            options.ChatListeners,
            latency.Samples,
            latency.Missing,
            latency.P50,
            latency.P99,
            latency.Max,
            latency.PostP50,
            options.ChatPosters,
            seconds,
            created,
            created / seconds,
            serverErrors,
            rateLimited,
            otherErrors,
            Percentiles.Of([.. postLatencies], 50),
            Percentiles.Of([.. postLatencies], 99),
            Percentiles.Of(deliveryLatencies, 50),
            Percentiles.Of(deliveryLatencies, 99),
            expected * listeners.Count,
            deliveries,
            membersExact,
            created > 0 ? (double)tableRequests / created : double.NaN);
    }

    /// <summary>
    /// A client's start() resolves at the handshake, before the hub has put the connection into its room groups; posts in
    /// that window are (rightly) not pushed to it, and a real client recovers them with afterSeq. The measurement starts
    /// once a probe post reaches every client. Returns the room's seq at that point.
    /// </summary>
    private static async Task<long> WaitUntilEveryoneHearsAsync(BenchmarkHost host, string token, string roomId, RoomChatListeners listeners, CancellationToken cancellationToken)
    {
        for (var attempt = 0; attempt < 60; attempt++)
        {
            var (status, seq) = await PostAsync(host, token, roomId, "probe", cancellationToken);
            if (status != 201)
            {
                throw new InvalidOperationException($"Posting the probe returned {status}.");
            }

            try
            {
                await listeners.AllReceivedAsync(seq).WaitAsync(TimeSpan.FromSeconds(1), cancellationToken);
                return seq;
            }
            catch (TimeoutException)
            {
                // Some connection is not in the room's group yet; probe again.
            }
        }

        throw new InvalidOperationException("Not every SignalR client joined the room's group within a minute.");
    }

    private static async Task<string> CreateRoomAsync(BenchmarkHost host, string ownerToken, IReadOnlyList<string> members, string role, CancellationToken cancellationToken)
    {
        using var created = await SendAsync(host, ownerToken, HttpMethod.Post, "api/v1/rooms", new { name = "Benchmark room" }, cancellationToken);
        created.EnsureSuccessStatusCode();
        using var body = await JsonDocument.ParseAsync(await created.Content.ReadAsStreamAsync(cancellationToken), cancellationToken: cancellationToken);
        var roomId = body.RootElement.GetProperty("roomId").GetString()!;
        foreach (var member in members)
        {
            using var added = await SendAsync(host, ownerToken, HttpMethod.Put, $"api/v1/rooms/{roomId}/members/{member}", new { role }, cancellationToken);
            added.EnsureSuccessStatusCode();
        }

        return roomId;
    }

    private static async Task<(int Status, long Seq)> PostAsync(BenchmarkHost host, string token, string roomId, string text, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(host, token, HttpMethod.Post, $"api/v1/rooms/{roomId}/messages", new { text }, cancellationToken);
        if ((int)response.StatusCode != 201)
        {
            return ((int)response.StatusCode, 0);
        }

        using var body = await JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync(cancellationToken), cancellationToken: cancellationToken);
        return (201, body.RootElement.GetProperty("seq").GetInt64());
    }

    private static async Task<HttpResponseMessage> SendAsync(BenchmarkHost host, string token, HttpMethod method, string path, object body, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, path) { Content = JsonContent.Create(body) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return await host.Http.SendAsync(request, cancellationToken);
    }
}

/// <summary>Room chat: post → messageCreated at every connected member, and many members posting in one room at once.</summary>
public sealed record RoomChatResult(
    int Listeners,
    int LatencySamples,
    int LatencyMissing,
    double LatencyP50Ms,
    double LatencyP99Ms,
    double LatencyMaxMs,
    double PostRoundTripP50Ms,
    int Posters,
    double LoadSeconds,
    long Posts,
    double PostsPerSecond,
    long ServerErrors,
    long RateLimited,
    long OtherErrors,
    double LoadPostP50Ms,
    double LoadPostP99Ms,
    double LoadDeliveryP50Ms,
    double LoadDeliveryP99Ms,
    long ExpectedDeliveries,
    long Deliveries,
    int MembersExactlyOnceInOrder,
    double TableRequestsPerPost);
