using Microsoft.Extensions.DependencyInjection;
using Serverless.Core.Members;
using Serverless.Core.Support;

namespace Serverless.Core.Devices;

/// <summary>Registers the member channel (devices, event polling, acks), member administration and support tickets.</summary>
public static class MemberChannelServiceCollectionExtensions
{
    public static IServiceCollection AddMemberChannel(this IServiceCollection services)
    {
        services.AddOptions<MemberChannelOptions>().BindConfiguration(MemberChannelOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<MemberChannelMetrics>();
        services.AddSingleton<MemberChannelRateLimiter>();
        services.AddSingleton<MemberStore>();
        services.AddSingleton<DeviceStore>();
        services.AddSingleton<DeviceDeliveryStore>();
        services.AddSingleton<DeviceCleanup>();
        services.AddScoped<MemberChannelApi>();
        services.AddScoped<MembersApi>();
        services.AddScoped<SupportTicketApi>();
        return services;
    }
}
