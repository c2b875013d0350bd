using Microsoft.Extensions.Azure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Serverless.Core.Audit;
using Serverless.Core.Auth;
using Serverless.Core.Channels;
using Serverless.Core.Cursors;
using Serverless.Core.DeadLetters;
using Serverless.Core.Devices;
using Serverless.Core.Health;
using Serverless.Core.Inbox;
using Serverless.Core.Notifications;
using Serverless.Core.Notifications.Templates;
using Serverless.Core.Realtime;
using Serverless.Core.Rooms;
using Serverless.Core.Rooms.Chat;
using Serverless.Core.Files;
using Azure;
using Azure.Data.Tables;
using Serverless.Core.Storage;

namespace Serverless.Core.Hosting;

/// <summary>Registers the application (options, storage, auth, feature services) for either host.</summary>
public static class ServerlessServiceCollectionExtensions
{
    public static IServiceCollection AddServerless(this IServiceCollection services, IConfiguration configuration)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<QueueActivity>();

        services.AddOptions<AuthOptions>().BindConfiguration(AuthOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<TokenValidator>();
        services.AddSingleton<RequestAuthenticator>();

        // Parsed here, at registration, so a malformed connection fails the host at start naming the setting.
        var connection = StorageConnection.FromConfiguration(configuration, StorageNames.ConnectionSetting);
        services.AddSingleton(connection);
        services.AddAzureClientsCore();
        services.TryAddSingleton(sp => new StorageAccount(
            sp.GetRequiredService<StorageConnection>(), sp.GetRequiredService<AzureComponentFactory>(), sp.GetService<StoragePipelinePolicies>()));

        services.AddSingleton<StorageProvisioner>();
        services.AddHostedService(sp => sp.GetRequiredService<StorageProvisioner>());
        services.AddSingleton<StorageHealthCheck>();
        services.AddSingleton<HealthApi>();

        services.AddOptions<CursorOptions>().BindConfiguration(CursorOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<CursorProtector>();
        services.AddSingleton<AuditLog>();
        services.AddSingleton<ResumableScan>();
        services.AddScoped<AuditApi>();

        // Notifications: publish, process, inbox, dead letters, cleanup. HTTP handlers and the processor are per invocation.
        services.AddOptions<NotificationOptions>().BindConfiguration(NotificationOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton(_ => TemplateCatalog.LoadEmbedded());
        services.AddSingleton<NotificationMetrics>();
        services.AddSingleton<InboxStore>();
        services.AddSingleton<EventPublisher>();
        services.AddSingleton<EventPayloadStore>();
        services.AddSingleton<ProcessingErrorStore>();
        services.AddSingleton<DeadLetterStore>();
        services.AddSingleton<InboxCleanup>();
        services.AddScoped<NotificationProcessor>();
        services.AddScoped<EventsApi>();
        services.AddScoped<InboxApi>();
        services.AddScoped<DeadLetterApi>();
        services.AddInboxSnooze();
        services.AddManualSend();

        // Delivery channels beyond the inbox: preferences, email over SMTP, FCM/APNs push, digests.
        services.AddChannels();

        // Member channel: mobile devices, event polling and acks, member administration, support tickets.
        services.AddMemberChannel();

        // Rooms and room files: membership, SignalR room groups, Blob uploads with SAS links, soft delete and purge.
        services.AddOptions<FilesOptions>().BindConfiguration(FilesOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<RoomStore>();
        services.AddSingleton<IRealtimeGroupSource, RoomGroupSource>();
        services.AddSingleton<RoomFileStore>();
        services.AddSingleton<RoomFilePurge>();
        services.AddScoped<RoomsApi>();
        services.AddScoped<RoomFilesApi>();
        services.AddRoomChat();
        return services;
    }
}
