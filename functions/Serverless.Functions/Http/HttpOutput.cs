using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Serverless.Core.Realtime;
using Serverless.Functions.Realtime;

namespace Serverless.Functions.Http;

/// <summary>An HTTP response plus the real-time messages and group changes the request caused.</summary>
public sealed class HttpOutput
{
    [HttpResult]
    public required IActionResult Result { get; init; }

    [SignalROutput(HubName = RealtimeUser.HubName, ConnectionStringSetting = "AzureSignalRConnectionString")]
    public SignalRMessageAction[] Messages { get; init; } = [];

    [SignalROutput(HubName = RealtimeUser.HubName, ConnectionStringSetting = "AzureSignalRConnectionString")]
    public SignalRGroupAction[] GroupActions { get; init; } = [];

    public static async Task<HttpOutput> From(Task<IResult> result, CollectingRealtimeSender realtime) => new()
    {
        Result = new ResultAdapter(await result),
        Messages = realtime.DrainMessages(),
        GroupActions = realtime.DrainGroupActions(),
    };

    /// <summary>Runs a minimal-API IResult inside the MVC-style [HttpResult] slot.</summary>
    private sealed class ResultAdapter(IResult result) : IActionResult
    {
        public Task ExecuteResultAsync(ActionContext context) => result.ExecuteAsync(context.HttpContext);
    }
}
