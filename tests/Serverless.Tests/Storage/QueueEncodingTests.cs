using System.Text;
using Azure.Storage.Queues;
using Serverless.Tests.Infrastructure;

namespace Serverless.Tests.Storage;

/// <summary>The Functions queue trigger reads base64 message text; <see cref="Core.Storage.StorageAccount"/> must write it.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class QueueEncodingTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private readonly string _name = AzuriteFixture.UniqueName("q");

    public Task InitializeAsync() => azurite.CreateStorageAccount().GetQueueClient(_name).CreateAsync();

    public Task DisposeAsync() => azurite.CreateStorageAccount().GetQueueClient(_name).DeleteAsync();

    [Fact]
    public async Task A_message_sent_through_the_account_is_base64_of_its_utf8_body_on_the_wire()
    {
        var queue = azurite.CreateStorageAccount().GetQueueClient(_name);
        const string body = "{\"eventId\":\"e-1\",\"title\":\"Grüße \U0001F600 <&>\"}";

        await queue.SendMessageAsync(body);

        // A client with the SDK's default (no encoding) sees exactly what the service stored.
        var raw = new QueueClient(azurite.ConnectionString, _name);
        var stored = Assert.Single((await raw.PeekMessagesAsync(1)).Value);
        Assert.Equal(Convert.ToBase64String(Encoding.UTF8.GetBytes(body)), stored.Body.ToString());

        var received = (await queue.ReceiveMessageAsync()).Value;
        Assert.Equal(body, received.Body.ToString());
    }

    [Fact]
    public async Task A_base64_message_written_by_another_producer_is_read_back_as_its_body()
    {
        const string body = "{\"eventId\":\"e-2\"}";
        var raw = new QueueClient(azurite.ConnectionString, _name);
        await raw.SendMessageAsync(Convert.ToBase64String(Encoding.UTF8.GetBytes(body)));

        var received = (await azurite.CreateStorageAccount().GetQueueClient(_name).ReceiveMessageAsync()).Value;

        Assert.Equal(body, received.Body.ToString());
    }
}
