using Microsoft.Extensions.DependencyInjection;

namespace Serverless.Core.Rooms.Chat;

/// <summary>Registers room chat: the message streams, posting and its pushes, rate and typing limits, the HTTP handlers.</summary>
public static class RoomChatServiceCollectionExtensions
{
    public static IServiceCollection AddRoomChat(this IServiceCollection services)
    {
        services.AddOptions<RoomChatOptions>().BindConfiguration(RoomChatOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<RoomMessageStore>();
        services.AddSingleton<RoomChatPublisher>();
        services.AddSingleton<RoomChatRateLimiter>();
        services.AddSingleton<RoomTypingThrottle>();
        services.AddScoped<RoomChatApi>();
        return services;
    }
}
