using System.Reflection;
using Azure.Storage.Queues.Models;
using Microsoft.Azure.Functions.Worker;

namespace Serverless.Standalone.Hosting;

/// <summary>One [Function] method of the Functions app and the trigger that starts it.</summary>
public abstract record FunctionDefinition(string Name, Type FunctionClass, MethodInfo Method);

public sealed record HttpFunction(string Name, Type FunctionClass, MethodInfo Method, string Route, IReadOnlyList<string> Methods)
    : FunctionDefinition(Name, FunctionClass, Method);

public sealed record QueueFunction(string Name, Type FunctionClass, MethodInfo Method, string QueueName, string? Connection)
    : FunctionDefinition(Name, FunctionClass, Method);

public sealed record TimerFunction(string Name, Type FunctionClass, MethodInfo Method, string Schedule, bool RunOnStartup)
    : FunctionDefinition(Name, FunctionClass, Method);

/// <summary>
/// The functions of an assembly, read from the same attributes the Functions SDK turns into functions.metadata. This is
/// the standalone host's only route and trigger table, so it cannot drift from what is deployed. Every parameter type is
/// checked here: a function the standalone host could not invoke fails the host at start, not at the first request.
/// </summary>
public sealed class FunctionCatalog
{
    private static readonly Type[] HttpParameterTypes = [typeof(Microsoft.AspNetCore.Http.HttpRequest), typeof(Microsoft.AspNetCore.Http.HttpContext), typeof(CancellationToken), typeof(string)];
    private static readonly Type[] QueueParameterTypes = [typeof(QueueMessage), typeof(string), typeof(BinaryData), typeof(CancellationToken)];
    private static readonly Type[] TimerParameterTypes = [typeof(TimerInfo), typeof(CancellationToken)];

    private FunctionCatalog(IReadOnlyList<FunctionDefinition> functions) => Functions = functions;

    public IReadOnlyList<FunctionDefinition> Functions { get; }

    public IEnumerable<HttpFunction> Http => Functions.OfType<HttpFunction>();

    public IEnumerable<QueueFunction> Queues => Functions.OfType<QueueFunction>();

    public IEnumerable<TimerFunction> Timers => Functions.OfType<TimerFunction>();

    /// <summary>The Functions app itself.</summary>
    public static FunctionCatalog ForFunctionsApp() => Load(typeof(Serverless.Functions.FunctionsAppRegistration).Assembly);

    public static FunctionCatalog Load(Assembly assembly)
    {
        var functions = new List<FunctionDefinition>();
        foreach (var type in assembly.GetTypes().Where(t => t is { IsClass: true, IsAbstract: false }))
        {
            foreach (var method in type.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static))
            {
                if (method.GetCustomAttribute<FunctionAttribute>() is { } function)
                {
                    functions.Add(Describe(function.Name, type, method));
                }
            }
        }

        var duplicate = functions.GroupBy(f => f.Name, StringComparer.OrdinalIgnoreCase).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw new InvalidOperationException($"Function name '{duplicate.Key}' is used twice.");
        }

        return new FunctionCatalog(functions.OrderBy(f => f.Name, StringComparer.Ordinal).ToArray());
    }

    private static FunctionDefinition Describe(string name, Type type, MethodInfo method)
    {
        var parameters = method.GetParameters();
        foreach (var parameter in parameters)
        {
            if (parameter.GetCustomAttribute<HttpTriggerAttribute>() is { } http)
            {
                Check(name, parameters, HttpParameterTypes);
                var route = http.Route ?? name;
                return new HttpFunction(name, type, method, route.Trim('/'),
                    (http.Methods ?? ["get", "post"]).Select(m => m.ToUpperInvariant()).ToArray());
            }

            if (parameter.GetCustomAttribute<QueueTriggerAttribute>() is { } queue)
            {
                Check(name, parameters, QueueParameterTypes);
                return new QueueFunction(name, type, method, queue.QueueName, queue.Connection);
            }

            if (parameter.GetCustomAttribute<TimerTriggerAttribute>() is { } timer)
            {
                Check(name, parameters, TimerParameterTypes);
                return new TimerFunction(name, type, method, timer.Schedule, timer.RunOnStartup);
            }
        }

        throw new InvalidOperationException($"Function '{name}' has a trigger the standalone host does not run (HTTP, queue and timer triggers are supported).");
    }

    private static void Check(string name, ParameterInfo[] parameters, Type[] supported)
    {
        var unsupported = parameters.FirstOrDefault(p => !supported.Contains(p.ParameterType));
        if (unsupported is not null)
        {
            throw new InvalidOperationException(
                $"Function '{name}' has parameter '{unsupported.Name}' of type {unsupported.ParameterType.Name}, which the standalone host cannot bind.");
        }

        var returnType = parameters[0].Member is MethodInfo m ? m.ReturnType : typeof(void);
        if (returnType != typeof(Task) && !(returnType.IsGenericType && returnType.GetGenericTypeDefinition() == typeof(Task<>)))
        {
            throw new InvalidOperationException($"Function '{name}' must return Task or Task<T>.");
        }
    }
}
