using System.Reflection;
using Azure.Storage.Queues.Models;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Abstractions;
using Microsoft.Azure.Functions.Worker;

namespace Serverless.Standalone.Hosting;

/// <summary>
/// Invokes function methods the way the isolated worker does: a new instance of the function class per invocation,
/// constructed from the invocation's service scope, trigger data bound to the method's parameters.
/// </summary>
public static class FunctionInvoker
{
    public static async Task InvokeHttpAsync(HttpFunction function, HttpContext context)
    {
        var arguments = function.Method.GetParameters().Select(p => p.ParameterType switch
        {
            var t when t == typeof(HttpRequest) => context.Request,
            var t when t == typeof(HttpContext) => context,
            var t when t == typeof(CancellationToken) => context.RequestAborted,
            _ => (object?)(context.Request.RouteValues.TryGetValue(p.Name!, out var value) ? value?.ToString() : null),
        }).ToArray();

        var result = await InvokeAsync(function, context.RequestServices, arguments);
        switch (result)
        {
            case IResult minimal:
                await minimal.ExecuteAsync(context);
                break;
            case IActionResult action:
                await action.ExecuteResultAsync(new ActionContext(context, context.GetRouteData(), new ActionDescriptor()));
                break;
            case null:
                context.Response.StatusCode = StatusCodes.Status204NoContent;
                break;
            default:
                await Results.Json(result).ExecuteAsync(context);
                break;
        }
    }

    public static Task InvokeQueueAsync(QueueFunction function, IServiceProvider services, QueueMessage message, CancellationToken cancellationToken)
    {
        var arguments = function.Method.GetParameters().Select(p => p.ParameterType switch
        {
            var t when t == typeof(QueueMessage) => message,
            var t when t == typeof(BinaryData) => message.Body,
            var t when t == typeof(string) => message.Body.ToString(),
            _ => (object)cancellationToken,
        }).ToArray();
        return InvokeAsync(function, services, arguments);
    }

    public static Task InvokeTimerAsync(TimerFunction function, IServiceProvider services, TimerInfo timer, CancellationToken cancellationToken)
    {
        var arguments = function.Method.GetParameters().Select(p => p.ParameterType == typeof(TimerInfo) ? timer : (object)cancellationToken).ToArray();
        return InvokeAsync(function, services, arguments);
    }

    private static async Task<object?> InvokeAsync(FunctionDefinition function, IServiceProvider services, object?[] arguments)
    {
        var instance = function.Method.IsStatic ? null : ActivatorUtilities.CreateInstance(services, function.FunctionClass);
        Task task;
        try
        {
            task = (Task)function.Method.Invoke(instance, arguments)!;
        }
        catch (TargetInvocationException ex) when (ex.InnerException is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(ex.InnerException).Throw();
            throw;
        }

        await task;
        return function.Method.ReturnType.IsGenericType ? task.GetType().GetProperty(nameof(Task<object>.Result))!.GetValue(task) : null;
    }
}
