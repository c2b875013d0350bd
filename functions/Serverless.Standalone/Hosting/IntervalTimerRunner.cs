namespace Serverless.Standalone.Hosting;

/// <summary>A timer-triggered function: a name, how often it runs, and what it does.</summary>
public sealed record IntervalTimer(string Name, TimeSpan Interval, Func<IServiceProvider, CancellationToken, Task> Handler);

/// <summary>Runs a timer function on a fixed interval (the Functions app uses CRON for the same work). A failing run is logged and the next one still happens.</summary>
public sealed class IntervalTimerRunner(IntervalTimer timer, IServiceScopeFactory scopes, ILogger<IntervalTimerRunner> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var ticker = new PeriodicTimer(timer.Interval);
        try
        {
            while (await ticker.WaitForNextTickAsync(stoppingToken))
            {
                try
                {
                    await using var scope = scopes.CreateAsyncScope();
                    await timer.Handler(scope.ServiceProvider, stoppingToken);
                }
                catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
                {
                    break;
                }
                catch (Exception ex)
                {
                    logger.LogError(ex, "Timer {Timer} failed; it runs again in {Interval}", timer.Name, timer.Interval);
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Shutting down.
        }
    }
}
