using System.Globalization;
using System.Net;
using System.Web;
using Serverless.Tests.Infrastructure;
using static Serverless.Tests.Rooms.RoomTestFiles;

namespace Serverless.Tests.Hardening;

[Collection(AzuriteCollection.Name)]
public sealed class DownloadLinkTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private TestHost _host = null!;

    public async Task InitializeAsync() => _host = await TestHost.StartAsync(azurite);

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task Get_and_list_issue_a_fresh_read_link_of_at_most_five_minutes()
    {
        var tenant = NewTenant();
        using var owner = _host.ClientFor("owner", tenant);
        var roomId = await CreateRoomAsync(owner);
        var fileId = (await UploadAsync(owner, roomId, Pdf(), "a.pdf").ExpectJsonAsync(HttpStatusCode.Created)).GetProperty("fileId").GetString();

        var single = await owner.GetAsync($"api/v1/rooms/{roomId}/files/{fileId}").ExpectJsonAsync();
        var listed = Assert.Single((await owner.GetAsync($"api/v1/rooms/{roomId}/files").ExpectJsonAsync()).GetProperty("items").EnumerateArray());

        foreach (var url in new[] { single.GetProperty("downloadUrl").GetString()!, listed.GetProperty("downloadUrl").GetString()! })
        {
            var query = HttpUtility.ParseQueryString(new Uri(url).Query);
            Assert.Equal("r", query["sp"]);
            var expires = DateTimeOffset.Parse(query["se"]!, CultureInfo.InvariantCulture);
            Assert.InRange(expires - DateTimeOffset.UtcNow, TimeSpan.FromMinutes(4), TimeSpan.FromMinutes(5) + TimeSpan.FromSeconds(5));
            using var anonymous = new HttpClient();
            Assert.Equal(Pdf(), await anonymous.GetByteArrayAsync(new Uri(url)));
        }
    }

    [Fact]
    public async Task A_link_issued_six_minutes_ago_no_longer_downloads()
    {
        var clock = new ManualClock(DateTimeOffset.UtcNow.AddMinutes(-6));
        await using var host = await TestHost.StartAsync(azurite, configureServices: s => ManualClock.Use(s, clock));
        var tenant = NewTenant();
        using var owner = host.ClientFor("owner", tenant);
        var roomId = await CreateRoomAsync(owner);
        var uploaded = await UploadAsync(owner, roomId, Png(), "late.png").ExpectJsonAsync(HttpStatusCode.Created);

        using var anonymous = new HttpClient();
        using var download = await anonymous.GetAsync(new Uri(uploaded.GetProperty("downloadUrl").GetString()!));

        Assert.Equal(HttpStatusCode.Forbidden, download.StatusCode);
    }

    [Fact]
    public async Task The_content_route_checks_access_at_every_call_and_redirects_to_a_fresh_link()
    {
        var tenant = NewTenant();
        using var owner = _host.ClientFor("owner", tenant);
        var roomId = await CreateRoomAsync(owner);
        await AddMemberAsync(owner, roomId, "bob", "VIEWER");
        var fileId = (await UploadAsync(owner, roomId, Pdf(), "a.pdf").ExpectJsonAsync(HttpStatusCode.Created)).GetProperty("fileId").GetString();
        using var bob = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = _host.BaseAddress };
        bob.DefaultRequestHeaders.Authorization = new("Bearer", _host.Token("bob", tenant));
        var content = $"api/v1/rooms/{roomId}/files/{fileId}/content";

        using (var redirect = await bob.GetAsync(content))
        {
            Assert.Equal(HttpStatusCode.Redirect, redirect.StatusCode);
            Assert.Equal("no-store", redirect.Headers.CacheControl?.ToString());
            var location = redirect.Headers.Location!;
            Assert.Equal("r", HttpUtility.ParseQueryString(location.Query)["sp"]);
            using var anonymous = new HttpClient();
            Assert.Equal(Pdf(), await anonymous.GetByteArrayAsync(location));
        }

        using (var removed = await owner.DeleteAsync($"api/v1/rooms/{roomId}/members/bob"))
        {
            Assert.Equal(HttpStatusCode.NoContent, removed.StatusCode);
        }

        using (var afterRemoval = await bob.GetAsync(content))
        {
            await afterRemoval.AssertErrorAsync(HttpStatusCode.NotFound, "ROOM_NOT_FOUND");
        }

        using var ownerNoRedirect = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = _host.BaseAddress };
        ownerNoRedirect.DefaultRequestHeaders.Authorization = new("Bearer", _host.Token("owner", tenant));
        (await owner.DeleteAsync($"api/v1/rooms/{roomId}/files/{fileId}")).EnsureSuccessStatusCode();
        using var afterDelete = await ownerNoRedirect.GetAsync(content);
        await afterDelete.AssertErrorAsync(HttpStatusCode.NotFound, "FILE_NOT_FOUND");
    }
}
