using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Serverless.Tests.Infrastructure;

namespace Serverless.Tests.Hardening;

/// <summary>What Kestrel refuses before any middleware runs still carries {"code","message"}; sent raw, as no client library would.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class ServerErrorBodyTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private TestHost _host = null!;

    public async Task InitializeAsync() => _host = await TestHost.StartAsync(azurite);

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task A_nul_byte_in_the_path_is_a_400_with_the_error_contract()
    {
        var (status, headers, body) = await SendRawAsync("GET /api/health%00 HTTP/1.1\r\nHost: localhost\r\n\r\n");

        AssertContract(status, headers, body, 400, "BAD_REQUEST");
    }

    [Fact]
    public async Task A_request_line_over_the_limit_is_a_414_with_the_error_contract()
    {
        var (status, headers, body) = await SendRawAsync($"GET /api/health?x={new string('a', 12 * 1024)} HTTP/1.1\r\nHost: localhost\r\n\r\n");

        AssertContract(status, headers, body, 414, "URI_TOO_LONG");
    }

    [Fact]
    public async Task Headers_over_the_limit_are_a_431_with_the_error_contract()
    {
        var big = string.Concat(Enumerable.Range(0, 8).Select(i => $"X-Filler-{i}: {new string('b', 6000)}\r\n"));
        var (status, headers, body) = await SendRawAsync($"GET /api/health HTTP/1.1\r\nHost: localhost\r\n{big}\r\n");

        AssertContract(status, headers, body, 431, "HEADERS_TOO_LARGE");
    }

    [Fact]
    public async Task An_ordinary_response_before_a_refused_request_on_one_connection_passes_through_unchanged()
    {
        var (status, headers, rest) = await SendRawAsync(
            "GET /api/nope HTTP/1.1\r\nHost: localhost\r\n\r\nGET /api/health%00 HTTP/1.1\r\nHost: localhost\r\n\r\n");

        Assert.Equal(404, status);
        Assert.Contains("Transfer-Encoding: chunked", headers, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("\"NOT_FOUND\"", rest, StringComparison.Ordinal);
        var second = rest.IndexOf("HTTP/1.1 400 ", StringComparison.Ordinal);
        Assert.True(second > 0, rest);
        Assert.Contains("\"BAD_REQUEST\"", rest[second..], StringComparison.Ordinal);
    }

    private static void AssertContract(int status, string headers, string body, int expectedStatus, string code)
    {
        Assert.True(status == expectedStatus, $"Expected {expectedStatus}, got {status}: {headers}\n{body}");
        Assert.Contains("Content-Type: application/json", headers, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("x-correlation-id:", headers, StringComparison.OrdinalIgnoreCase);
        using var document = JsonDocument.Parse(body);
        Assert.Equal(code, document.RootElement.GetProperty("code").GetString());
        Assert.False(string.IsNullOrWhiteSpace(document.RootElement.GetProperty("message").GetString()));
    }

    private async Task<(int Status, string Headers, string Body)> SendRawAsync(string request)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(_host.BaseAddress.Host, _host.BaseAddress.Port);
        var stream = client.GetStream();
        try
        {
            await stream.WriteAsync(Encoding.ASCII.GetBytes(request));
        }
        catch (IOException)
        {
            // Kestrel may answer and close before it has read everything we send.
        }

        using var buffer = new MemoryStream();
        var chunk = new byte[8192];
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            int read;
            while ((read = await stream.ReadAsync(chunk, timeout.Token)) > 0)
            {
                buffer.Write(chunk, 0, read);
            }
        }
        catch (IOException)
        {
            // A reset after the response is fine: the response is what we read.
        }

        var text = Encoding.UTF8.GetString(buffer.ToArray());
        var split = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        Assert.True(split > 0, $"No HTTP response: '{text}'");
        var headers = text[..split];
        return (int.Parse(headers.AsSpan(9, 3), System.Globalization.CultureInfo.InvariantCulture), headers, text[(split + 4)..]);
    }
}
