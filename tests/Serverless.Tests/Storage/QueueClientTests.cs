using System.Text;
using Serverless.Storage;
using Serverless.Tests.Infrastructure;

namespace Serverless.Tests.Storage;

[Collection(AzuriteCollection.Name)]
public sealed class QueueClientTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private readonly QueueClient _queue = StorageTestAccounts.Create(azurite).GetQueueClient(AzuriteFixture.UniqueName("q"));

    public Task InitializeAsync() => _queue.CreateIfNotExistsAsync();

    public Task DisposeAsync() => _queue.DeleteAsync();

    [Fact]
    public async Task SendThenReceive_Text_RoundTripsAndIsBase64OnTheWire()
    {
        var receipt = await _queue.SendMessageAsync("héllo <world> & 'friends'");
        var peeked = await _queue.PeekMessagesAsync();

        var received = await _queue.ReceiveMessagesAsync(1, TimeSpan.FromSeconds(30));

        var message = Assert.Single(received);
        Assert.Equal(receipt.MessageId, message.MessageId);
        Assert.Equal("héllo <world> & 'friends'", message.MessageText);
        Assert.Equal(1, message.DequeueCount);
        Assert.True(message.ExpiresOn > message.InsertedOn);
        Assert.Equal("héllo <world> & 'friends'", Assert.Single(peeked).MessageText);

        // Text that is itself valid base64 comes back unchanged only if the client encoded it on the way in.
        await _queue.SendMessageAsync("QUJD");
        var again = Assert.Single(await _queue.ReceiveMessagesAsync(1, TimeSpan.FromSeconds(30)));
        Assert.Equal("QUJD", again.MessageText);
    }

    [Fact]
    public async Task Receive_InvisibleMessage_IsNotReturnedTwice()
    {
        await _queue.SendMessageAsync(BinaryData.FromBytes([0, 1, 2, 255]));

        var first = await _queue.ReceiveMessagesAsync(32, TimeSpan.FromSeconds(30));
        var second = await _queue.ReceiveMessagesAsync(32, TimeSpan.FromSeconds(30));

        Assert.Equal(new byte[] { 0, 1, 2, 255 }, Assert.Single(first).Body.ToArray());
        Assert.Empty(second);
    }

    [Fact]
    public async Task SendMessage_WithVisibilityDelay_IsNotReceivableYet()
    {
        var receipt = await _queue.SendMessageAsync("later", visibilityDelay: TimeSpan.FromMinutes(5), timeToLive: TimeSpan.FromHours(1));

        var received = await _queue.ReceiveMessagesAsync(1, TimeSpan.FromSeconds(1));

        Assert.Empty(received);
        Assert.True(receipt.NextVisibleOn > receipt.InsertedOn.AddMinutes(4));
        Assert.Equal(1, await _queue.GetApproximateMessageCountAsync());
    }

    [Fact]
    public async Task SendMessage_OverSixtyFourKiBEncoded_IsRefusedBeforeSending()
    {
        var tooBig = new string('a', 49_153); // base64 of 49,153 bytes is 65,540 chars

        await Assert.ThrowsAsync<ArgumentException>(() => _queue.SendMessageAsync(tooBig));

        Assert.Equal(0, await _queue.GetApproximateMessageCountAsync());
    }

    [Fact]
    public async Task SendMessage_JustUnderTheLimit_IsAccepted()
    {
        var fits = new string('a', 49_152); // exactly 65,536 encoded

        await _queue.SendMessageAsync(fits);

        Assert.Equal(fits, Assert.Single(await _queue.ReceiveMessagesAsync(1, TimeSpan.FromSeconds(30))).MessageText);
    }

    [Fact]
    public async Task DeleteMessage_WithPopReceipt_RemovesItAndSecondDeleteIs404()
    {
        await _queue.SendMessageAsync("x");
        var message = Assert.Single(await _queue.ReceiveMessagesAsync(1, TimeSpan.FromSeconds(30)));

        await _queue.DeleteMessageAsync(message.MessageId, message.PopReceipt);
        var error = await Assert.ThrowsAsync<StorageRequestFailedException>(() => _queue.DeleteMessageAsync(message.MessageId, message.PopReceipt));

        Assert.Equal(404, error.Status);
        Assert.Equal(0, await _queue.GetApproximateMessageCountAsync());
    }

    [Fact]
    public async Task UpdateVisibility_ToZero_MakesMessageReceivableAgainWithNewReceipt()
    {
        await _queue.SendMessageAsync("retry me");
        var message = Assert.Single(await _queue.ReceiveMessagesAsync(1, TimeSpan.FromMinutes(5)));

        var newReceipt = await _queue.UpdateVisibilityAsync(message.MessageId, message.PopReceipt, TimeSpan.Zero);
        var again = Assert.Single(await _queue.ReceiveMessagesAsync(1, TimeSpan.FromSeconds(30)));

        Assert.NotEqual(message.PopReceipt, newReceipt);
        Assert.Equal(message.MessageId, again.MessageId);
        Assert.Equal(2, again.DequeueCount);
    }

    [Fact]
    public async Task ClearMessages_RemovesEverything()
    {
        await _queue.SendMessageAsync("a");
        await _queue.SendMessageAsync("b");

        await _queue.ClearMessagesAsync();

        Assert.Empty(await _queue.PeekMessagesAsync(32));
    }

    [Fact]
    public void DecodeBody_NotBase64_KeepsRawText()
    {
        Assert.Equal("not base64!", QueueClient.DecodeBody("not base64!").ToString());
        Assert.Equal("hi", QueueClient.DecodeBody(Convert.ToBase64String(Encoding.UTF8.GetBytes("hi"))).ToString());
    }

    [Fact]
    public async Task ReceiveMessages_OutOfRangeCount_IsRefused()
    {
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => _queue.ReceiveMessagesAsync(33, TimeSpan.FromSeconds(1)));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => _queue.ReceiveMessagesAsync(0, TimeSpan.FromSeconds(1)));
    }
}
