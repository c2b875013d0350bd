using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.Hosting;
using Serverless.Core.Realtime;
using Serverless.Functions;

var builder = FunctionsApplication.CreateBuilder(args);
builder.ConfigureFunctionsWebApplication();
builder.Services.AddServerlessFunctions(builder.Configuration);

// No hub of its own: every push and negotiation goes through Azure SignalR Service (fails at start when not configured).
builder.Services.AddSignalRRest(builder.Configuration);
builder.AddServerlessTelemetry();
builder.Build().Run();
