using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Serverless.Core.Notifications.Templates;

namespace Serverless.Core.Channels;

/// <summary>Registers delivery channels: preferences, the dispatcher, email over SMTP, FCM and APNs push, and digests.</summary>
public static class ChannelsServiceCollectionExtensions
{
    public static IServiceCollection AddChannels(this IServiceCollection services)
    {
        services.AddOptions<EmailOptions>().BindConfiguration(EmailOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<PushOptions>().BindConfiguration(PushOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<ChannelOptions>().BindConfiguration(ChannelOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();

        services.AddSingleton(sp => TemplateChannels.LoadEmbedded(sp.GetRequiredService<TemplateCatalog>()));
        services.AddSingleton<ChannelMetrics>();
        services.AddSingleton<PreferenceStore>();
        services.AddSingleton<ContactDirectory>();
        services.AddSingleton<DeliveryRecordStore>();
        services.AddSingleton<ChannelDeliveryMarkers>();
        services.AddSingleton<ChannelRetry>();
        services.AddSingleton<ChannelDispatcher>();
        services.AddSingleton<EmailComposer>();
        services.AddSingleton<SmtpEmailSender>();
        services.AddSingleton<EmailDelivery>();
        services.AddSingleton<ChannelDigest>();

        // One pooled client per provider; connections are recycled so DNS changes are picked up.
        services.AddSingleton(sp => new FcmClient(PushHttpClient(), sp.GetRequiredService<IOptions<PushOptions>>(), sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton(sp => new ApnsClient(PushHttpClient(), sp.GetRequiredService<IOptions<PushOptions>>(), sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<PushDelivery>();
        services.AddScoped<PreferencesApi>();
        return services;
    }

    private static HttpClient PushHttpClient() =>
        new(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5), EnableMultipleHttp2Connections = true })
        {
            Timeout = TimeSpan.FromSeconds(30),
        };
}
