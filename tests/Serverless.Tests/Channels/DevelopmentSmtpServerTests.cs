using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Configuration;
using Serverless.Core.Channels;
using Serverless.Standalone.Development;
using Serverless.Tests.Infrastructure;

namespace Serverless.Tests.Channels;

/// <summary>`--smtp`: the standalone host's loopback SMTP server writes each email to a folder a developer can open.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class DevelopmentSmtpServerTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task EmailSentThroughTheDevelopmentServer_LandsAsAnEmlFile()
    {
        var folder = Path.Combine(Path.GetTempPath(), "mail-" + Guid.NewGuid().ToString("N")[..8]);
        var lines = new List<string>();
        await using var smtp = new DevelopmentSmtpServer(FreePort(), folder, line => { lock (lines) { lines.Add(line); } });
        var settings = smtp.Settings(new ConfigurationBuilder().Build());
        settings["Email:LinkBaseUrl"] = "";
        await using var host = await TestHost.StartAsync(azurite, settings);
        var tenant = ChannelTestKit.NewTenant();
        using var alice = await ChannelTestKit.UserWithEmailAsync(host, tenant, "alice", "alice@example.test");

        await ChannelTestKit.PublishAsync(host, tenant, "document.expiring", ["alice"], new { document = new { filename = "lease.pdf", expiresAt = "2027-01-01" } });
        await ChannelTestKit.EventuallyStatusAsync(alice, 1, ChannelNames.Email, DeliveryStatuses.Sent);

        var file = Assert.Single(Directory.GetFiles(folder, "*.eml"));
        var mail = await MimeKit.MimeMessage.LoadAsync(file);
        Assert.Equal("Document expiring: lease.pdf", mail.Subject);
        lock (lines)
        {
            Assert.Contains(lines, l => l.Contains("alice@example.test", StringComparison.Ordinal) && l.Contains(file, StringComparison.Ordinal));
        }

        Directory.Delete(folder, recursive: true);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
