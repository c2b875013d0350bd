using Microsoft.Azure.Functions.Worker;
using NCrontab;

namespace Serverless.Standalone.Hosting;

/// <summary>
/// Runs a timer-triggered function on its own NCrontab schedule (six fields, seconds first, UTC), as the Functions host
/// does. A failing run is logged and the next occurrence still runs; runs of one timer never overlap.
/// </summary>
public sealed class CronTimerRunner(TimerFunction function, IServiceScopeFactory scopes, TimeProvider time, ILogger<CronTimerRunner> logger) : BackgroundService
{
    private readonly CrontabSchedule _schedule = Parse(function);

    public static CrontabSchedule Parse(TimerFunction function)
    {
        var fields = function.Schedule.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length;
        return CrontabSchedule.TryParse(function.Schedule, new CrontabSchedule.ParseOptions { IncludingSeconds = fields == 6 })
               ?? throw new InvalidOperationException($"Timer '{function.Name}' has schedule '{function.Schedule}', which is not an NCrontab expression.");
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var last = time.GetUtcNow().UtcDateTime;
        if (function.RunOnStartup)
        {
            await RunOnceAsync(new TimerInfo(), stoppingToken);
        }

        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                var next = _schedule.GetNextOccurrence(last);
                var delay = next - time.GetUtcNow().UtcDateTime;
                if (delay > TimeSpan.Zero)
                {
                    await Task.Delay(delay, time, stoppingToken);
                }

                var info = new TimerInfo
                {
                    ScheduleStatus = new ScheduleStatus { Last = last, Next = _schedule.GetNextOccurrence(next), LastUpdated = time.GetUtcNow().UtcDateTime },
                    IsPastDue = time.GetUtcNow().UtcDateTime - next > TimeSpan.FromSeconds(30),
                };
                last = next;
                await RunOnceAsync(info, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down.
        }
    }

    private async Task RunOnceAsync(TimerInfo info, CancellationToken stoppingToken)
    {
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            await FunctionInvoker.InvokeTimerAsync(function, scope.ServiceProvider, info, stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex)
        {
            logger.LogError(ex, "Timer {Function} failed; it runs again at its next occurrence", function.Name);
        }
    }
}
