using Microsoft.Extensions.DependencyInjection;

namespace Serverless.Core.Notifications;

/// <summary>Registers the CRM's manual send (POST /v1/notifications/test).</summary>
public static class ManualSendServiceCollectionExtensions
{
    public static IServiceCollection AddManualSend(this IServiceCollection services)
    {
        services.AddSingleton<ManualSendRateLimiter>();
        services.AddScoped<ManualSendApi>();
        return services;
    }
}
