using Serverless.Core.Hosting;
using Serverless.Core.Http;
using Serverless.Functions;
using Serverless.Standalone.Configuration;
using Serverless.Standalone.Development;
using Serverless.Standalone.Hosting;
using Serverless.Standalone.Realtime;
using Serverless.Standalone.WebApp;

namespace Serverless.Standalone;

/// <summary>
/// One ASP.NET Core process hosting the Azure Functions app's own function classes: their HTTP triggers under /api on
/// port 7071, their queue triggers with host.json's semantics, their timers on their NCrontab schedules, with the same
/// service registration as the Functions app, plus the Azure SignalR Service surface the product uses.
/// </summary>
public static class StandaloneHost
{
    public const string DefaultUrl = "http://127.0.0.1:7071";

    /// <param name="args">Command-line arguments (`--urls`, `--Key=value`).</param>
    /// <param name="overrides">Settings that win over every other source; tests use them for Azurite's ports.</param>
    /// <param name="configureServices">Last say over services (tests replace the clock).</param>
    public static WebApplication Build(string[] args, IReadOnlyDictionary<string, string?>? overrides = null, Action<IServiceCollection>? configureServices = null)
    {
        var builder = WebApplication.CreateBuilder(args);

        // Same precedence as the Functions host: local.settings Values, then environment, then command line.
        builder.Configuration.AddInMemoryCollection(LocalSettings.Load(builder.Environment.ContentRootPath));
        builder.Configuration.AddEnvironmentVariables();
        builder.Configuration.AddCommandLine(args);
        if (overrides is not null)
        {
            builder.Configuration.AddInMemoryCollection(overrides);
        }

        if (string.IsNullOrEmpty(builder.Configuration["urls"]) && string.IsNullOrEmpty(builder.Configuration["ASPNETCORE_URLS"]))
        {
            builder.WebHost.UseUrls(DefaultUrl);
        }

        builder.Logging.ClearProviders();
        builder.Logging.AddJsonConsole(o =>
        {
            o.IncludeScopes = true;
            o.UseUtcTimestamp = true;
            o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ";
        });

        // Per-request framework chatter drowns the application's own lines.
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);

        var functions = FunctionCatalog.ForFunctionsApp();
        builder.Services.AddServerlessFunctions(builder.Configuration);
        builder.Services.AddStandaloneHosting(builder.Configuration, functions);
        configureServices?.Invoke(builder.Services);

        var app = builder.Build();

        // (A malformed storage connection already failed in AddServerless, which parses it while registering.)
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Serverless.Requests");
        app.Use(async (context, next) =>
        {
            using var scope = Correlation.BeginScope(context, logger);
            try
            {
                await next(context);
            }
            catch (Exception ex) when (!context.Response.HasStarted)
            {
                // Safety net for failures outside ApiEndpoint (model binding, hub negotiate): a code, never a stack trace.
                logger.LogError(ex, "Unhandled error in {Path}", context.Request.Path.Value);
                await ApiError.Result(500, "INTERNAL_ERROR", "An unexpected error occurred. Quote the x-correlation-id when reporting it.").ExecuteAsync(context);
                return;
            }

            if (!context.Response.HasStarted && context.Response.ContentLength is null && string.IsNullOrEmpty(context.Response.ContentType))
            {
                switch (context.Response.StatusCode)
                {
                    case StatusCodes.Status404NotFound:
                        await ApiError.Result(404, "NOT_FOUND", "No such route.").ExecuteAsync(context);
                        break;
                    case StatusCodes.Status405MethodNotAllowed:
                        await ApiError.Result(405, "METHOD_NOT_ALLOWED", "This route does not accept that method.").ExecuteAsync(context);
                        break;
                }
            }
        });

        app.UseCors();
        app.UseWebApp();
        app.UseAuthentication();
        app.UseAuthorization();
        app.MapStandaloneRealtime();
        app.MapDevToken();
        MapHttpFunctions(app, functions, app.Configuration);
        return app;
    }

    /// <summary>The Functions host's "AzureWebJobs.{name}.Disabled" app setting: a disabled function is not run or routed.</summary>
    public static bool IsDisabled(IConfiguration configuration, string functionName) =>
        configuration.GetValue($"AzureWebJobs.{functionName}.Disabled", false);

    /// <summary>Each HTTP trigger at /api/{route}, as the Functions host's routePrefix "api" does.</summary>
    private static void MapHttpFunctions(WebApplication app, FunctionCatalog functions, IConfiguration configuration)
    {
        var api = app.MapGroup("/api");
        foreach (var function in functions.Http.Where(f => !IsDisabled(configuration, f.Name)))
        {
            api.MapMethods(function.Route, function.Methods, (HttpContext context) => FunctionInvoker.InvokeHttpAsync(function, context))
                .WithName(function.Name);
        }
    }

    private static IServiceCollection AddStandaloneHosting(this IServiceCollection services, ConfigurationManager configuration, FunctionCatalog functions)
    {
        // Client endpoint, REST surface and the choice of delivery (in-process, or the SignalR REST API when configured).
        services.AddStandaloneRealtime(configuration);

        // SPAs on another origin negotiate and connect with credentials, so origins are listed (or reflected for "*"), never a bare wildcard.
        var origins = (configuration["Standalone:AllowedOrigins"] ?? "*").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        services.AddCors(o => o.AddDefaultPolicy(p =>
        {
            if (origins.Contains("*"))
            {
                p.SetIsOriginAllowed(_ => true);
            }
            else
            {
                p.WithOrigins(origins);
            }

            p.AllowAnyHeader().AllowAnyMethod().AllowCredentials().WithExposedHeaders(Correlation.HeaderName);
        }));

        var queueOptions = HostJsonSettings.LoadQueueOptions(configuration);
        services.AddSingleton(queueOptions);
        services.Configure<HostOptions>(o => o.ShutdownTimeout = queueOptions.ShutdownGracePeriod + TimeSpan.FromSeconds(10));

        foreach (var function in functions.Queues.Where(f => !IsDisabled(configuration, f.Name)))
        {
            if (function.Connection is { } connection && connection != StorageNames.ConnectionSetting)
            {
                throw new InvalidOperationException($"Function '{function.Name}' reads connection '{connection}'; the standalone host serves only '{StorageNames.ConnectionSetting}'.");
            }

            // Poison queues are woken when this process moves a message there; idle, they need not be polled every 2 s
            // (each poll is a billed storage transaction).
            var trigger = new QueueTrigger(
                function.QueueName,
                (sp, message, ct) => FunctionInvoker.InvokeQueueAsync(function, sp, message, ct),
                function.QueueName.EndsWith("-poison", StringComparison.Ordinal) ? TimeSpan.FromSeconds(60) : null);
            services.AddSingleton<IHostedService>(sp => ActivatorUtilities.CreateInstance<QueueTriggerRunner>(sp, trigger));
        }

        foreach (var function in functions.Timers.Where(f => !IsDisabled(configuration, f.Name)))
        {
            CronTimerRunner.Parse(function); // a bad schedule fails at start
            services.AddSingleton<IHostedService>(sp => ActivatorUtilities.CreateInstance<CronTimerRunner>(sp, function));
        }

        return services;
    }
}
