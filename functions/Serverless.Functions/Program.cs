using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Serverless.Core.Hosting;
using Serverless.Core.Realtime;
using Serverless.Functions.Realtime;

var builder = FunctionsApplication.CreateBuilder(args);

builder.ConfigureFunctionsWebApplication();

builder.Services
    .AddApplicationInsightsTelemetryWorkerService()
    .ConfigureFunctionsApplicationInsights();

builder.Services.AddServerless(builder.Configuration);

// The negotiate function's hub; the SignalR output bindings address the same hub by name.
builder.Services.AddServerlessHub<Serverless.Functions.Notifications>();

// Real-time messages of one invocation are collected and returned through the SignalR output binding.
builder.Services.AddScoped<CollectingRealtimeSender>();
builder.Services.AddScoped<IRealtimeSender>(sp => sp.GetRequiredService<CollectingRealtimeSender>());

builder.Build().Run();
