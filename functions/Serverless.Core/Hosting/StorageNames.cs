namespace Serverless.Core.Hosting;

/// <summary>Every table, queue and container the application uses, in one place so both hosts and the infra agree.</summary>
public static class StorageNames
{
    /// <summary>The storage connection setting, shared with the Functions host (identity-based as AzureWebJobsStorage__*).</summary>
    public const string ConnectionSetting = "AzureWebJobsStorage";

    public const string EventsQueue = "notification-events";
    public const string EventsPoisonQueue = EventsQueue + "-poison";
    public const string PushFlushQueue = "notification-push-flush";
    public const string PushFlushPoisonQueue = PushFlushQueue + "-poison";
    public const string ChannelDispatchQueue = "notification-channels";
    public const string ChannelDispatchPoisonQueue = ChannelDispatchQueue + "-poison";
    public const string EmailQueue = "notification-email";
    public const string EmailPoisonQueue = EmailQueue + "-poison";
    public const string MobilePushQueue = "notification-mobile-push";
    public const string MobilePushPoisonQueue = MobilePushQueue + "-poison";

    public const string InboxTable = "inbox";
    public const string InboxSnoozeTable = "inboxsnoozes";
    public const string IdempotencyTable = "idempotency";
    public const string DeadLetterTable = "deadletters";
    public const string ProcessingErrorTable = "processingerrors";
    public const string CleanupStateTable = "cleanupstate";
    public const string MembersTable = "members";
    public const string DevicesTable = "devices";
    public const string DeviceAcksTable = "deviceacks";
    public const string TicketsTable = "supporttickets";
    public const string RoomsTable = "rooms";
    public const string RoomFilesTable = "roomfiles";
    public const string RoomMessagesTable = "roommessages";
    public const string AuditTable = "audit";
    public const string PreferencesTable = "notificationpreferences";
    public const string ChannelDeliveriesTable = "channeldeliveries";
    public const string DigestTable = "notificationdigests";
    public const string FilesContainer = "room-files";
    public const string EventPayloadsContainer = "event-payloads";
}
