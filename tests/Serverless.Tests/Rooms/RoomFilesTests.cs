using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Serverless.Core.Files;
using Azure;
using Azure.Data.Tables;
using Serverless.Core.Storage;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Serverless.Tests.Infrastructure;
using static Serverless.Tests.Rooms.RoomTestFiles;

namespace Serverless.Tests.Rooms;

[Collection(AzuriteCollection.Name)]
public sealed class RoomFilesTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private TestHost _host = null!;

    public async Task InitializeAsync() => _host = await TestHost.StartAsync(azurite);

    public async Task DisposeAsync() => await _host.DisposeAsync();

    public static TheoryData<string, string, string, string> AllowedFiles() => new()
    {
        { "png", "photo.png", "image", "image/png" },
        { "jpeg", "photo.jpeg", "image", "image/jpeg" },
        { "gif", "anim.gif", "image", "image/gif" },
        { "webp", "pic.webp", "image", "image/webp" },
        { "pdf", "report.pdf", "document", "application/pdf" },
        { "docx", "letter.docx", "document", "application/vnd.openxmlformats-officedocument.wordprocessingml.document" },
        { "xlsx", "sheet.xlsx", "document", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" },
        { "pptx", "deck.pptx", "document", "application/vnd.openxmlformats-officedocument.presentationml.presentation" },
        { "odt", "essay.odt", "document", "application/vnd.oasis.opendocument.text" },
        { "txt", "notes.txt", "log", "text/plain" },
        { "json", "data.json", "log", "application/json" },
        { "csv", "table.csv", "log", "text/csv" },
    };

    private static byte[] Content(string kind) => kind switch
    {
        "png" => Png(),
        "jpeg" => Jpeg(),
        "gif" => Gif(),
        "webp" => Webp(),
        "pdf" => Pdf(),
        "docx" => Docx(),
        "xlsx" => Xlsx(),
        "pptx" => Pptx(),
        "odt" => Odt(),
        "txt" => Text(),
        "json" => Text("{\"level\":\"info\",\"message\":\"ok\"}"),
        "csv" => Text("a,b\n1,2\n"),
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    [Theory]
    [MemberData(nameof(AllowedFiles))]
    public async Task Upload_OfEachAllowedType_IsAcceptedWithTheDetectedType(string kind, string fileName, string fileType, string mimeType)
    {
        var (owner, roomId, _) = await RoomAsync();
        var content = Content(kind);

        var file = await UploadAsync(owner, roomId, content, fileName, "first draft").ExpectJsonAsync(HttpStatusCode.Created);

        Assert.StartsWith("file_", file.GetProperty("fileId").GetString(), StringComparison.Ordinal);
        Assert.Equal(roomId, file.GetProperty("roomId").GetString());
        Assert.Equal(fileName, file.GetProperty("filename").GetString());
        Assert.Equal(fileType, file.GetProperty("fileType").GetString());
        Assert.Equal(mimeType, file.GetProperty("mimeType").GetString());
        Assert.Equal(content.Length, file.GetProperty("size").GetInt64());
        Assert.Equal("first draft", file.GetProperty("description").GetString());
        Assert.Equal("owner", file.GetProperty("uploaderId").GetString());
        Assert.True(file.TryGetProperty("uploadedAt", out _));
        Assert.StartsWith("http", file.GetProperty("downloadUrl").GetString(), StringComparison.Ordinal);
        owner.Dispose();
    }

    public static TheoryData<string, string, HttpStatusCode, string> RefusedFiles() => new()
    {
        { "exe-renamed-pdf", "invoice.pdf", HttpStatusCode.UnsupportedMediaType, "FILE_TYPE_NOT_ALLOWED" },
        { "exe-renamed-txt", "readme.txt", HttpStatusCode.UnsupportedMediaType, "FILE_TYPE_NOT_ALLOWED" },
        { "png-as-jpg", "photo.jpg", HttpStatusCode.UnsupportedMediaType, "FILE_TYPE_NOT_ALLOWED" },
        { "text-as-exe", "setup.exe", HttpStatusCode.UnsupportedMediaType, "FILE_TYPE_NOT_ALLOWED" },
        { "plain-zip", "archive.docx", HttpStatusCode.UnsupportedMediaType, "FILE_TYPE_NOT_ALLOWED" },
        { "empty", "empty.txt", HttpStatusCode.UnsupportedMediaType, "FILE_TYPE_NOT_ALLOWED" },
        { "text-over-5mb", "huge.log", HttpStatusCode.RequestEntityTooLarge, "FILE_TOO_LARGE" },
        { "png-over-10mb", "huge.png", HttpStatusCode.RequestEntityTooLarge, "FILE_TOO_LARGE" },
    };

    private static byte[] RefusedContent(string kind) => kind switch
    {
        "exe-renamed-pdf" or "exe-renamed-txt" => WindowsExecutable(),
        "png-as-jpg" => Png(),
        "text-as-exe" => Text(),
        "plain-zip" => PlainZip(),
        "empty" => [],
        "text-over-5mb" => Encoding.ASCII.GetBytes(new string('a', (5 * 1024 * 1024) + 1)),
        "png-over-10mb" => Png((10 * 1024 * 1024) + 1),
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    [Theory]
    [MemberData(nameof(RefusedFiles))]
    public async Task Upload_OfARefusedFile_IsRefused_AndLeavesNoBlobOrRow(string kind, string fileName, HttpStatusCode status, string code)
    {
        var (owner, roomId, tenant) = await RoomAsync();

        using var response = await UploadAsync(owner, roomId, RefusedContent(kind), fileName);

        await response.AssertErrorAsync(status, code);
        await AssertNothingStoredAsync(tenant, roomId);
        owner.Dispose();
    }

    [Fact]
    public async Task Upload_ByAViewer_Returns403_AndStoresNothing()
    {
        var (owner, roomId, tenant) = await RoomAsync();
        await AddMemberAsync(owner, roomId, "vera", "VIEWER");
        using var viewer = _host.ClientFor("vera", tenant);

        using var response = await UploadAsync(viewer, roomId, Png(), "a.png");

        await response.AssertErrorAsync(HttpStatusCode.Forbidden, "FORBIDDEN");
        await AssertNothingStoredAsync(tenant, roomId);
        owner.Dispose();
    }

    [Fact]
    public async Task Upload_WithADescriptionOver1000Characters_Returns400_AndLeavesNoBlob()
    {
        var (owner, roomId, tenant) = await RoomAsync();
        using var response = await UploadAsync(owner, roomId, Png(), "a.png", new string('d', 1001));
        await response.AssertErrorAsync(HttpStatusCode.BadRequest, "VALIDATION_ERROR");
        await AssertNothingStoredAsync(tenant, roomId);
        owner.Dispose();
    }

    [Fact]
    public async Task DownloadUrl_ServesExactlyTheUploadedBytes_AsAnAttachmentWithTheSanitisedName()
    {
        var (owner, roomId, _) = await RoomAsync();
        var content = Pdf();
        var uploaded = await UploadAsync(owner, roomId, content, "../Résumé <final>.pdf").ExpectJsonAsync(HttpStatusCode.Created);
        Assert.Equal("Résumé final.pdf", uploaded.GetProperty("filename").GetString());

        var fetched = await owner.GetAsync($"api/v1/rooms/{roomId}/files/{uploaded.GetProperty("fileId").GetString()}").ExpectJsonAsync();
        using var anonymous = new HttpClient();
        using var download = await anonymous.GetAsync(new Uri(fetched.GetProperty("downloadUrl").GetString()!));

        Assert.Equal(HttpStatusCode.OK, download.StatusCode);
        Assert.Equal(content, await download.Content.ReadAsByteArrayAsync());
        var disposition = download.Content.Headers.ContentDisposition;
        Assert.NotNull(disposition);
        Assert.Equal("attachment", disposition.DispositionType);
        Assert.Equal("Résumé final.pdf", disposition.FileNameStar);
        owner.Dispose();
    }

    [Fact]
    public async Task DownloadUrl_IsScopedToItsOwnBlob()
    {
        var (owner, roomId, _) = await RoomAsync();
        var first = await UploadAsync(owner, roomId, Png(), "one.png").ExpectJsonAsync(HttpStatusCode.Created);
        var second = await UploadAsync(owner, roomId, Gif(), "two.gif").ExpectJsonAsync(HttpStatusCode.Created);

        // The first file's signature on the second file's path must not work.
        var firstUrl = new Uri(first.GetProperty("downloadUrl").GetString()!);
        var secondPath = new Uri(second.GetProperty("downloadUrl").GetString()!).GetLeftPart(UriPartial.Path);
        using var anonymous = new HttpClient();
        using var forged = await anonymous.GetAsync(new Uri(secondPath + firstUrl.Query));

        Assert.Equal(HttpStatusCode.Forbidden, forged.StatusCode);
        owner.Dispose();
    }

    [Fact]
    public async Task DownloadUrl_GeneratedAlreadyExpired_IsRefusedByStorage()
    {
        // The application's clock runs two hours behind, so a 5-minute link is long past its expiry.
        var clock = new ManualClock(DateTimeOffset.UtcNow.AddHours(-2));
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
    public async Task ListFiles_IsNewestFirst_FiltersByType_AndPages()
    {
        var (owner, roomId, _) = await RoomAsync();
        var ids = new List<string>();
        foreach (var (content, name) in new[] { (Png(), "a.png"), (Text(), "b.txt"), (Gif(), "c.gif") })
        {
            var file = await UploadAsync(owner, roomId, content, name).ExpectJsonAsync(HttpStatusCode.Created);
            ids.Add(file.GetProperty("fileId").GetString()!);
        }

        var all = await owner.GetAsync($"api/v1/rooms/{roomId}/files").ExpectJsonAsync();
        Assert.Equal(Enumerable.Reverse(ids), all.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("fileId").GetString()));
        Assert.Equal(JsonValueKind.Null, all.GetProperty("nextCursor").ValueKind);

        var firstImage = await owner.GetAsync($"api/v1/rooms/{roomId}/files?fileType=image&limit=1").ExpectJsonAsync();
        Assert.Equal(1, firstImage.GetProperty("limit").GetInt32());
        Assert.Equal(ids[2], Assert.Single(firstImage.GetProperty("items").EnumerateArray()).GetProperty("fileId").GetString());
        var cursor = firstImage.GetProperty("nextCursor").GetString();
        var secondImage = await owner.GetAsync($"api/v1/rooms/{roomId}/files?fileType=image&limit=1&cursor={Uri.EscapeDataString(cursor!)}").ExpectJsonAsync();
        Assert.Equal(ids[0], Assert.Single(secondImage.GetProperty("items").EnumerateArray()).GetProperty("fileId").GetString());
        Assert.Equal(JsonValueKind.Null, secondImage.GetProperty("nextCursor").ValueKind);

        using var bad = await owner.GetAsync($"api/v1/rooms/{roomId}/files?fileType=video");
        await bad.AssertErrorAsync(HttpStatusCode.BadRequest, "VALIDATION_ERROR");
        using var offset = await owner.GetAsync($"api/v1/rooms/{roomId}/files?offset=1");
        await offset.AssertErrorAsync(HttpStatusCode.BadRequest, "VALIDATION_ERROR");
        using var forged = await owner.GetAsync($"api/v1/rooms/{roomId}/files?cursor=abc");
        await forged.AssertErrorAsync(HttpStatusCode.BadRequest, "INVALID_CURSOR");
        owner.Dispose();
    }

    [Fact]
    public async Task Delete_ByUploader_HidesTheFile_AndRestoreByOwner_BringsItBack_EachAuditedOnce()
    {
        var (owner, roomId, tenant) = await RoomAsync();
        await AddMemberAsync(owner, roomId, "ed", "EDITOR");
        await AddMemberAsync(owner, roomId, "eve", "EDITOR");
        using var ed = _host.ClientFor("ed", tenant);
        using var eve = _host.ClientFor("eve", tenant);
        var fileId = (await UploadAsync(ed, roomId, Png(), "a.png").ExpectJsonAsync(HttpStatusCode.Created)).GetProperty("fileId").GetString();

        using (var notUploader = await eve.DeleteAsync($"api/v1/rooms/{roomId}/files/{fileId}"))
        {
            await notUploader.AssertErrorAsync(HttpStatusCode.Forbidden, "FORBIDDEN");
        }

        using (var deleted = await ed.DeleteAsync($"api/v1/rooms/{roomId}/files/{fileId}"))
        {
            Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        }

        using (var get = await ed.GetAsync($"api/v1/rooms/{roomId}/files/{fileId}"))
        {
            await get.AssertErrorAsync(HttpStatusCode.NotFound, "FILE_NOT_FOUND");
        }

        var listed = await ed.GetAsync($"api/v1/rooms/{roomId}/files").ExpectJsonAsync();
        Assert.Equal(0, listed.GetProperty("items").GetArrayLength());

        using (var editorRestore = await ed.PostAsync($"api/v1/rooms/{roomId}/files/{fileId}/restore", null))
        {
            await editorRestore.AssertErrorAsync(HttpStatusCode.Forbidden, "FORBIDDEN");
        }

        var restored = await owner.PostAsync($"api/v1/rooms/{roomId}/files/{fileId}/restore", null).ExpectJsonAsync();
        Assert.Equal(fileId, restored.GetProperty("fileId").GetString());
        await owner.GetAsync($"api/v1/rooms/{roomId}/files/{fileId}").ExpectJsonAsync();
        var relisted = await ed.GetAsync($"api/v1/rooms/{roomId}/files").ExpectJsonAsync();
        Assert.Equal(fileId, Assert.Single(relisted.GetProperty("items").EnumerateArray()).GetProperty("fileId").GetString());

        var deletedEntry = await SingleAuditAsync(_host, tenant, "file.deleted");
        Assert.Equal("ed", deletedEntry.GetProperty("actorId").GetString());
        Assert.Contains("\"deletedBy\":\"ed\"", deletedEntry.GetProperty("after").GetString(), StringComparison.Ordinal);
        var restoredEntry = await SingleAuditAsync(_host, tenant, "file.restored");
        Assert.Equal("owner", restoredEntry.GetProperty("actorId").GetString());
        owner.Dispose();
    }

    [Fact]
    public async Task Purge_AfterRetention_RemovesBlobAndRow_RefusesRestore_AndAuditsOnce()
    {
        var clock = new ManualClock(DateTimeOffset.UtcNow);
        await using var host = await TestHost.StartAsync(azurite, configureServices: s => ManualClock.Use(s, clock));
        var tenant = NewTenant();
        using var owner = host.ClientFor("owner", tenant);
        var roomId = await CreateRoomAsync(owner);
        var fileId = (await UploadAsync(owner, roomId, Png(), "old.png").ExpectJsonAsync(HttpStatusCode.Created)).GetProperty("fileId").GetString();
        var keptId = (await UploadAsync(owner, roomId, Gif(), "kept.gif").ExpectJsonAsync(HttpStatusCode.Created)).GetProperty("fileId").GetString();
        using (var deleted = await owner.DeleteAsync($"api/v1/rooms/{roomId}/files/{fileId}"))
        {
            Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        }

        var purge = host.Services.GetRequiredService<RoomFilePurge>();
        await purge.RunAsync(CancellationToken.None);
        Assert.NotNull(await host.Services.GetRequiredService<RoomFileStore>().GetAsync(tenant, roomId, fileId!, CancellationToken.None));

        clock.Advance(TimeSpan.FromDays(31));
        using (var late = await owner.PostAsync($"api/v1/rooms/{roomId}/files/{fileId}/restore", null))
        {
            await late.AssertErrorAsync(HttpStatusCode.NotFound, "FILE_NOT_FOUND");
        }

        await purge.RunAsync(CancellationToken.None);
        await purge.RunAsync(CancellationToken.None);

        var store = host.Services.GetRequiredService<RoomFileStore>();
        Assert.Null(await store.GetAsync(tenant, roomId, fileId!, CancellationToken.None));
        var blobs = await ListBlobsAsync(store, tenant, roomId);
        Assert.Equal([$"{tenant}/{roomId}/{keptId}"], blobs);
        using (var restore = await owner.PostAsync($"api/v1/rooms/{roomId}/files/{fileId}/restore", null))
        {
            await restore.AssertErrorAsync(HttpStatusCode.NotFound, "FILE_NOT_FOUND");
        }

        var entry = await SingleAuditAsync(host, tenant, "file.purged");
        Assert.Equal($"room:{roomId}/file:{fileId}", entry.GetProperty("target").GetString());
    }

    [Fact]
    public async Task DirectUpload_OfAGoodFile_IsRegisteredOnComplete_AndCompletingTwiceReturnsTheSameFile()
    {
        var (owner, roomId, _) = await RoomAsync();
        var content = Png(2048);
        var ticket = await owner.PostJsonAsync($"api/v1/rooms/{roomId}/files/upload-url", new { filename = "big.png", size = content.Length })
            .ExpectJsonAsync(HttpStatusCode.Created);
        var fileId = ticket.GetProperty("fileId").GetString();

        using (var early = await owner.PostAsync($"api/v1/rooms/{roomId}/files/{fileId}/complete", null))
        {
            await early.AssertErrorAsync(HttpStatusCode.Conflict, "UPLOAD_NOT_FOUND");
        }

        await PutToUploadUrlAsync(ticket, content);

        var first = await owner.PostAsync($"api/v1/rooms/{roomId}/files/{fileId}/complete", null).ExpectJsonAsync(HttpStatusCode.Created);
        Assert.Equal(fileId, first.GetProperty("fileId").GetString());
        Assert.Equal("image", first.GetProperty("fileType").GetString());
        Assert.Equal(content.Length, first.GetProperty("size").GetInt64());
        var second = await owner.PostAsync($"api/v1/rooms/{roomId}/files/{fileId}/complete", null).ExpectJsonAsync(HttpStatusCode.Created);
        Assert.Equal(first.GetProperty("uploadedAt").GetString(), second.GetProperty("uploadedAt").GetString());

        var listed = await owner.GetAsync($"api/v1/rooms/{roomId}/files").ExpectJsonAsync();
        Assert.Equal(fileId, Assert.Single(listed.GetProperty("items").EnumerateArray()).GetProperty("fileId").GetString());
        using var anonymous = new HttpClient();
        Assert.Equal(content, await anonymous.GetByteArrayAsync(new Uri(second.GetProperty("downloadUrl").GetString()!)));
        owner.Dispose();
    }

    [Fact]
    public async Task DirectUpload_OfAnExecutable_IsRefusedOnComplete_AndCleanedUp()
    {
        var (owner, roomId, tenant) = await RoomAsync();
        var ticket = await owner.PostJsonAsync($"api/v1/rooms/{roomId}/files/upload-url", new { filename = "notes.txt", size = 512 })
            .ExpectJsonAsync(HttpStatusCode.Created);
        var fileId = ticket.GetProperty("fileId").GetString();
        await PutToUploadUrlAsync(ticket, WindowsExecutable());

        using var complete = await owner.PostAsync($"api/v1/rooms/{roomId}/files/{fileId}/complete", null);

        await complete.AssertErrorAsync(HttpStatusCode.UnsupportedMediaType, "FILE_TYPE_NOT_ALLOWED");
        await AssertNothingStoredAsync(tenant, roomId);
        owner.Dispose();
    }

    [Theory]
    [InlineData("tool.exe", 100, HttpStatusCode.UnsupportedMediaType, "FILE_TYPE_NOT_ALLOWED")]
    [InlineData("photo.png", (10 * 1024 * 1024) + 1, HttpStatusCode.RequestEntityTooLarge, "FILE_TOO_LARGE")]
    public async Task DirectUpload_ObviouslyRefused_IsRefusedUpFront_WithoutAPendingRow(string fileName, long size, HttpStatusCode status, string code)
    {
        var (owner, roomId, tenant) = await RoomAsync();
        using var response = await owner.PostJsonAsync($"api/v1/rooms/{roomId}/files/upload-url", new { filename = fileName, size });
        await response.AssertErrorAsync(status, code);
        await AssertNothingStoredAsync(tenant, roomId);
        owner.Dispose();
    }

    [Fact]
    public async Task Purge_RemovesDirectUploadsNeverCompleted_AfterADay()
    {
        var clock = new ManualClock(DateTimeOffset.UtcNow);
        await using var host = await TestHost.StartAsync(azurite, configureServices: s => ManualClock.Use(s, clock));
        var tenant = NewTenant();
        using var owner = host.ClientFor("owner", tenant);
        var roomId = await CreateRoomAsync(owner);
        var ticket = await owner.PostJsonAsync($"api/v1/rooms/{roomId}/files/upload-url", new { filename = "x.png", size = 256 })
            .ExpectJsonAsync(HttpStatusCode.Created);
        await PutToUploadUrlAsync(ticket, Png());

        clock.Advance(TimeSpan.FromDays(1) + TimeSpan.FromMinutes(1));
        await host.Services.GetRequiredService<RoomFilePurge>().RunAsync(CancellationToken.None);

        var store = host.Services.GetRequiredService<RoomFileStore>();
        Assert.Empty(await ListBlobsAsync(store, tenant, roomId));
        Assert.Empty(await ListRowsAsync(store, tenant, roomId));
        Assert.Equal(0, await AuditCountAsync(host, tenant, "file.purged"));
    }

    [Fact]
    public async Task Upload_NotifiesTheOtherMembersInbox_ButNotTheUploader()
    {
        var (owner, roomId, tenant) = await RoomAsync();
        await AddMemberAsync(owner, roomId, "bob", "VIEWER");
        await UploadAsync(owner, roomId, Pdf(), "minutes.pdf").ExpectJsonAsync(HttpStatusCode.Created);

        using var bob = _host.ClientFor("bob", tenant);
        var inbox = await ApiAssertions.EventuallyAsync(
            () => bob.GetAsync("api/v1/notifications").ExpectJsonAsync(),
            b => b.GetProperty("items").GetArrayLength() > 0);
        var item = Assert.Single(inbox.GetProperty("items").EnumerateArray());
        Assert.Equal("document.uploaded", item.GetProperty("type").GetString());
        Assert.Contains("minutes.pdf", item.GetProperty("body").GetString(), StringComparison.Ordinal);
        Assert.Contains("Design review", item.GetProperty("title").GetString(), StringComparison.Ordinal);

        var ownersInbox = await owner.GetAsync("api/v1/notifications").ExpectJsonAsync();
        Assert.Equal(0, ownersInbox.GetProperty("items").GetArrayLength());
        owner.Dispose();
    }

    [Fact]
    public async Task Upload_WithAMalformedMultipartBody_Returns400_AndLeavesNoBlob()
    {
        var (owner, roomId, tenant) = await RoomAsync();
        using var content = new ByteArrayContent(Encoding.ASCII.GetBytes("--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.txt\"\r\n\r\nhello, but the closing boundary never comes"));
        content.Headers.TryAddWithoutValidation("Content-Type", "multipart/form-data; boundary=b");

        using var response = await owner.PostAsync($"api/v1/rooms/{roomId}/files", content);

        await response.AssertErrorAsync(HttpStatusCode.BadRequest, "VALIDATION_ERROR");
        Assert.Empty(await ListBlobsAsync(_host.Services.GetRequiredService<RoomFileStore>(), tenant, roomId));
        owner.Dispose();
    }

    [Fact]
    public async Task DirectUpload_WithAClientChosenContentType_IsDownloadedWithTheDetectedType()
    {
        var (owner, roomId, _) = await RoomAsync();
        var content = Text("just text, although the client says html\n");
        var ticket = await owner.PostJsonAsync($"api/v1/rooms/{roomId}/files/upload-url", new { filename = "notes.txt", size = content.Length })
            .ExpectJsonAsync(HttpStatusCode.Created);
        using (var anonymous = new HttpClient())
        using (var put = new HttpRequestMessage(HttpMethod.Put, new Uri(ticket.GetProperty("uploadUrl").GetString()!)) { Content = new ByteArrayContent(content) })
        {
            put.Headers.Add("x-ms-blob-type", "BlockBlob");
            put.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("text/html");
            using var stored = await anonymous.SendAsync(put);
            Assert.True(stored.IsSuccessStatusCode);
        }

        var file = await owner.PostAsync($"api/v1/rooms/{roomId}/files/{ticket.GetProperty("fileId").GetString()}/complete", null).ExpectJsonAsync(HttpStatusCode.Created);
        using var download = await new HttpClient().GetAsync(new Uri(file.GetProperty("downloadUrl").GetString()!));

        Assert.Equal("text/plain", file.GetProperty("mimeType").GetString());
        Assert.Equal("text/plain", download.Content.Headers.ContentType?.MediaType);
        owner.Dispose();
    }

    [Fact]
    public async Task DirectUpload_CompletedByAMemberDemotedToViewer_Returns403()
    {
        var (owner, roomId, tenant) = await RoomAsync();
        using var editor = _host.ClientFor("editor", tenant);
        await AddMemberAsync(owner, roomId, "editor", "EDITOR");
        var ticket = await editor.PostJsonAsync($"api/v1/rooms/{roomId}/files/upload-url", new { filename = "late.png", size = 2048 })
            .ExpectJsonAsync(HttpStatusCode.Created);
        await PutToUploadUrlAsync(ticket, Png(2048));
        await AddMemberAsync(owner, roomId, "editor", "VIEWER");

        using var complete = await editor.PostAsync($"api/v1/rooms/{roomId}/files/{ticket.GetProperty("fileId").GetString()}/complete", null);

        await complete.AssertErrorAsync(HttpStatusCode.Forbidden, "FORBIDDEN");
        owner.Dispose();
    }

    private async Task<(HttpClient Owner, string RoomId, string Tenant)> RoomAsync()
    {
        var tenant = NewTenant();
        var owner = _host.ClientFor("owner", tenant);
        var roomId = await CreateRoomAsync(owner);
        return (owner, roomId, tenant);
    }

    private static async Task PutToUploadUrlAsync(JsonElement ticket, byte[] content)
    {
        using var anonymous = new HttpClient();
        using var put = new HttpRequestMessage(HttpMethod.Put, new Uri(ticket.GetProperty("uploadUrl").GetString()!)) { Content = new ByteArrayContent(content) };
        put.Headers.Add("x-ms-blob-type", "BlockBlob");
        using var response = await anonymous.SendAsync(put);
        Assert.True(response.IsSuccessStatusCode, $"PUT to the upload URL failed with {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
    }

    private async Task AssertNothingStoredAsync(string tenant, string roomId)
    {
        var store = _host.Services.GetRequiredService<RoomFileStore>();
        Assert.Empty(await ListBlobsAsync(store, tenant, roomId));
        Assert.Empty(await ListRowsAsync(store, tenant, roomId));
    }

    private static async Task<List<string>> ListBlobsAsync(RoomFileStore store, string tenant, string roomId)
    {
        var names = new List<string>();
        await foreach (var blob in store.Container.GetBlobsAsync(BlobTraits.None, BlobStates.None, $"{tenant}/{roomId}/", CancellationToken.None))
        {
            names.Add(blob.Name);
        }

        return names;
    }

    private static async Task<List<string>> ListRowsAsync(RoomFileStore store, string tenant, string roomId)
    {
        var rows = new List<string>();
        await foreach (var row in store.Table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {RoomFileStore.Partition(tenant, roomId)}")))
        {
            rows.Add(row.RowKey);
        }

        return rows;
    }
}
