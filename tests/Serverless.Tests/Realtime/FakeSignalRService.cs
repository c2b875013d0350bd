using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Serverless.Tests.Realtime;

/// <summary>
/// A stand-in for Azure SignalR Service's data plane on a real Kestrel socket: records every request as it arrived
/// (method, raw escaped target, headers, body) and answers per the swagger unless a test says otherwise.
/// </summary>
public sealed class FakeSignalRService : IAsyncDisposable
{
    private readonly WebApplication _app;
    private int _inFlight;
    private int _maxInFlight;

    private FakeSignalRService(WebApplication app, Uri endpoint)
    {
        _app = app;
        Endpoint = endpoint;
    }

    public sealed record ReceivedRequest(string Method, string RawPath, string Query, string? Authorization, string? ContentType, string Body);

    public Uri Endpoint { get; }

    public ConcurrentQueue<ReceivedRequest> Requests { get; } = new();

    /// <summary>Status and body for a request; defaults to the swagger's success answers.</summary>
    public Func<ReceivedRequest, (int Status, string? Body)> Respond { get; set; } = SwaggerAnswer;

    /// <summary>When set, requests wait for it before answering (to observe concurrency).</summary>
    public TaskCompletionSource? Hold { get; set; }

    public int InFlight => Volatile.Read(ref _inFlight);

    public int MaxInFlight => Volatile.Read(ref _maxInFlight);

    public static async Task<FakeSignalRService> StartAsync(X509Certificate2? certificate = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrelHttpsConfiguration();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, listen =>
        {
            if (certificate is not null)
            {
                listen.UseHttps(certificate);
            }
        }));
        var app = builder.Build();
        FakeSignalRService? service = null;
        app.Run(context => service!.HandleAsync(context));
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        var endpoint = new Uri(address.Replace("[::1]", "127.0.0.1", StringComparison.Ordinal));
        service = new FakeSignalRService(app, endpoint);
        return service;
    }

    public static (int Status, string? Body) SwaggerAnswer(ReceivedRequest request) => request switch
    {
        { Method: "POST" } when request.RawPath.EndsWith("/:send", StringComparison.Ordinal) => (202, null),
        { Method: "POST" } when request.RawPath.EndsWith("/:generateToken", StringComparison.Ordinal) => (200, "{\"token\":\"token-from-the-service\"}"),
        { Method: "PUT" } when request.RawPath.Contains("/groups/", StringComparison.Ordinal) => (200, null),
        { Method: "DELETE" } when request.RawPath.Contains("/groups/", StringComparison.Ordinal) => (204, null),
        _ => (404, "{\"code\":\"NotFound\"}"),
    };

    private async Task HandleAsync(HttpContext context)
    {
        var inFlight = Interlocked.Increment(ref _inFlight);
        int seen;
        while ((seen = Volatile.Read(ref _maxInFlight)) < inFlight && Interlocked.CompareExchange(ref _maxInFlight, inFlight, seen) != seen)
        {
        }

        try
        {
            var raw = context.Features.Get<IHttpRequestFeature>()!.RawTarget;
            var query = raw.IndexOf('?', StringComparison.Ordinal);
            using var reader = new StreamReader(context.Request.Body, Encoding.UTF8);
            var request = new ReceivedRequest(
                context.Request.Method,
                query < 0 ? raw : raw[..query],
                query < 0 ? "" : raw[query..],
                context.Request.Headers.Authorization.ToString() is { Length: > 0 } auth ? auth : null,
                context.Request.ContentType,
                await reader.ReadToEndAsync());
            Requests.Enqueue(request);
            if (Hold is { } hold)
            {
                await hold.Task;
            }

            var (status, body) = Respond(request);
            context.Response.StatusCode = status;
            if (body is not null)
            {
                context.Response.ContentType = "application/json";
                await context.Response.WriteAsync(body);
            }
        }
        finally
        {
            Interlocked.Decrement(ref _inFlight);
        }
    }

    public async ValueTask DisposeAsync()
    {
        Hold?.TrySetResult();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
