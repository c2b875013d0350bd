using Serverless.Benchmarks;

// dotnet run -c Release --project tests/Serverless.Benchmarks -- [--smoke] [--room-chat] [--inbox] [--soak [seconds]] [--out path.json]
var options = BenchmarkOptions.Parse(args);
using var cancellation = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cancellation.Cancel();
};

var report = await BenchmarkRun.RunAsync(options, Console.Out, cancellation.Token);
return report.Completed ? 0 : 1;
