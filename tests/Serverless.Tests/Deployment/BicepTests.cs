using System.Diagnostics;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Serverless.Tests.Deployment;

/// <summary>
/// Compiles and lints the azd infrastructure with the real Bicep CLI, so a template error or a linter warning
/// fails here rather than during `azd up`. The CLI comes from the NuGet package the test project downloads
/// (the PackageDownload item in Serverless.Tests.csproj); every module is local, so no network is needed.
/// </summary>
public sealed partial class BicepTests
{
    private const string PackageId = "Azure.Bicep.CommandLine.linux-x64";

    // A cold start of the CLI takes seconds; the limit only keeps a hung process from stalling the run.
    private static readonly TimeSpan ProcessTimeout = TimeSpan.FromMinutes(5);

    private static readonly string Root = DeploymentConfigurationTests.Root;
    private static readonly string MainBicep = Path.Combine(Root, "infra", "main.bicep");

    [Fact]
    public async Task Main_bicep_builds_to_a_subscription_scoped_template_with_no_warnings()
    {
        var outputDirectory = Directory.CreateTempSubdirectory("bicep-build-");
        try
        {
            var (exitCode, output) = await RunBicepAsync("build", MainBicep, "--outdir", outputDirectory.FullName);

            Assert.True(exitCode == 0 && output.Length == 0, $"bicep build exited with {exitCode} and reported:\n{output}");
            using var template = JsonDocument.Parse(File.ReadAllText(Path.Combine(outputDirectory.FullName, "main.json")));
            Assert.EndsWith(
                "/subscriptionDeploymentTemplate.json#",
                template.RootElement.GetProperty("$schema").GetString(),
                StringComparison.Ordinal);
        }
        finally
        {
            outputDirectory.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task Main_bicep_and_its_modules_lint_with_no_warnings()
    {
        var (exitCode, output) = await RunBicepAsync("lint", MainBicep);

        Assert.True(exitCode == 0 && output.Length == 0, $"bicep lint exited with {exitCode} and reported:\n{output}");
    }

    private static async Task<(int ExitCode, string Output)> RunBicepAsync(params string[] arguments)
    {
        var startInfo = new ProcessStartInfo(BicepPath())
        {
            WorkingDirectory = Root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        using var process = Process.Start(startInfo)!;
        var standardOutput = process.StandardOutput.ReadToEndAsync();
        var standardError = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(ProcessTimeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"bicep {string.Join(' ', arguments)} did not finish within {ProcessTimeout}.");
        }

        // Diagnostics go to stderr; with --outdir a clean run prints nothing at all.
        return (process.ExitCode, ((await standardOutput) + (await standardError)).Trim());
    }

    /// <summary>tools/bicep in the NuGet packages folder, at the version the test project downloads.</summary>
    private static string BicepPath()
    {
        var packages = Environment.GetEnvironmentVariable("NUGET_PACKAGES");
        if (string.IsNullOrEmpty(packages))
        {
            packages = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        }

        var path = Path.Combine(packages, PackageId.ToLowerInvariant(), BicepVersion(), "tools", "bicep");
        Assert.True(
            File.Exists(path),
            $"No Bicep CLI at {path}. Restore the test project (dotnet restore tests/Serverless.Tests); the PackageDownload "
            + $"of {PackageId} puts it there. The package holds a linux-x64 binary only.");

        // NuGet extracts files without their execute bit on some setups.
        if (!OperatingSystem.IsWindows())
        {
            var mode = File.GetUnixFileMode(path);
            if ((mode & UnixFileMode.UserExecute) == 0)
            {
                File.SetUnixFileMode(path, mode | UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute);
            }
        }

        return path;
    }

    // Read from the csproj so the version is written once.
    private static string BicepVersion()
    {
        var project = File.ReadAllText(Path.Combine(Root, "tests", "Serverless.Tests", "Serverless.Tests.csproj"));
        var match = PackageDownloadRegex().Match(project);
        Assert.True(match.Success, $"Serverless.Tests.csproj has no <PackageDownload Include=\"{PackageId}\" Version=\"[x.y.z]\" />.");
        return match.Groups["version"].Value;
    }

    [GeneratedRegex(@"<PackageDownload\s+Include=""Azure\.Bicep\.CommandLine\.linux-x64""\s+Version=""\[(?<version>[^\]]+)\]""")]
    private static partial Regex PackageDownloadRegex();
}
