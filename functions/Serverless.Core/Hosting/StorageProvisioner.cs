using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Azure;
using Azure.Data.Tables;
using Serverless.Core.Storage;

namespace Serverless.Core.Hosting;

/// <summary>
/// Creates every table, queue and container at start, retrying until storage answers, so a host started before
/// Azurite (or before role assignments propagate in Azure) heals by itself. <see cref="Ready"/> completes once done.
/// </summary>
public sealed class StorageProvisioner(StorageAccount account, ILogger<StorageProvisioner> logger) : BackgroundService
{
    private static readonly string[] Tables =
    [
        StorageNames.InboxTable, StorageNames.IdempotencyTable, StorageNames.DeadLetterTable, StorageNames.ProcessingErrorTable,
        StorageNames.CleanupStateTable, StorageNames.MembersTable, StorageNames.DevicesTable, StorageNames.DeviceAcksTable,
        StorageNames.TicketsTable, StorageNames.RoomsTable, StorageNames.RoomFilesTable, StorageNames.AuditTable,
        StorageNames.RoomMessagesTable,
        StorageNames.PreferencesTable, StorageNames.ChannelDeliveriesTable, StorageNames.DigestTable,
        StorageNames.InboxSnoozeTable,
    ];

    private static readonly string[] Queues =
    [
        StorageNames.EventsQueue, StorageNames.EventsPoisonQueue, StorageNames.PushFlushQueue, StorageNames.PushFlushPoisonQueue,
        StorageNames.ChannelDispatchQueue, StorageNames.ChannelDispatchPoisonQueue, StorageNames.EmailQueue, StorageNames.EmailPoisonQueue,
        StorageNames.MobilePushQueue, StorageNames.MobilePushPoisonQueue,
    ];

    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task Ready => _ready.Task;

    public async Task EnsureAsync(CancellationToken cancellationToken)
    {
        await Task.WhenAll(Tables.Select(t => account.GetTableClient(t).CreateIfNotExistsAsync(cancellationToken: cancellationToken)));
        await Task.WhenAll(Queues.Select(q => account.GetQueueClient(q).CreateIfNotExistsAsync(cancellationToken: cancellationToken)));
        await account.GetBlobContainerClient(StorageNames.FilesContainer).CreateIfNotExistsAsync(cancellationToken: cancellationToken);
        await account.GetBlobContainerClient(StorageNames.EventPayloadsContainer).CreateIfNotExistsAsync(cancellationToken: cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        for (var attempt = 1; !stoppingToken.IsCancellationRequested; attempt++)
        {
            try
            {
                await EnsureAsync(stoppingToken);
                _ready.TrySetResult();
                logger.LogInformation("Storage tables, queues and containers are ready");
                return;
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                logger.LogWarning(ex, "Storage is not ready yet (attempt {Attempt}); retrying", attempt);
                await Task.Delay(TimeSpan.FromSeconds(Math.Min(attempt * 2, 30)), stoppingToken);
            }
        }
    }
}
