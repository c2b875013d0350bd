using Microsoft.Extensions.DependencyInjection;

namespace Serverless.Core.Inbox;

/// <summary>Registers snooze's wake-up timer work (the handlers live on <see cref="InboxApi"/>, the storage on <see cref="InboxStore"/>).</summary>
public static class InboxSnoozeServiceCollectionExtensions
{
    public static IServiceCollection AddInboxSnooze(this IServiceCollection services) => services.AddSingleton<SnoozeWakeUp>();
}
