using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Serverless.Core.Rooms.Chat;
using Serverless.Tests.Infrastructure;
using static Serverless.Tests.Rooms.RoomTestFiles;

namespace Serverless.Tests.Rooms;

/// <summary>Room chat against the standalone host and Azurite: messages, paging, edits, tombstones, reactions, read state, limits.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class RoomChatTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private TestHost _host = null!;

    public async Task InitializeAsync() => _host = await TestHost.StartAsync(azurite);

    public async Task DisposeAsync() => await _host.DisposeAsync();

    private async Task<(string Tenant, HttpClient Owner, HttpClient Editor, HttpClient Viewer, string RoomId)> RoomAsync()
    {
        var tenant = NewTenant();
        var owner = _host.ClientFor("owner", tenant);
        var roomId = await CreateRoomAsync(owner, "Line 4 incident");
        await AddMemberAsync(owner, roomId, "editor", "EDITOR");
        await AddMemberAsync(owner, roomId, "viewer", "VIEWER");
        return (tenant, owner, _host.ClientFor("editor", tenant), _host.ClientFor("viewer", tenant), roomId);
    }

    [Fact]
    public async Task EditorPosts_GetsTheMessageWithADenseSeq_AndEveryMemberReadsIt()
    {
        var (_, owner, editor, viewer, roomId) = await RoomAsync();

        var first = await editor.PostMessageOkAsync(roomId, "  Conveyor stopped at 10:02  ");
        var second = await owner.PostMessageOkAsync(roomId, "On my way");

        Assert.Equal(1, first.GetProperty("seq").GetInt64());
        Assert.Equal("msg_1", first.Id());
        Assert.Equal(roomId, first.GetProperty("roomId").GetString());
        Assert.Equal("editor", first.GetProperty("authorId").GetString());
        Assert.Equal("Conveyor stopped at 10:02", first.GetProperty("text").GetString());
        Assert.Equal("text", first.GetProperty("kind").GetString());
        Assert.Equal(JsonValueKind.Null, first.GetProperty("replyTo").ValueKind);
        Assert.Equal(JsonValueKind.Null, first.GetProperty("editedAt").ValueKind);
        Assert.Equal(JsonValueKind.Null, first.GetProperty("deletedAt").ValueKind);
        Assert.Equal(0, first.GetProperty("reactions").GetArrayLength());
        Assert.True(first.GetProperty("createdAt").GetDateTimeOffset() > DateTimeOffset.UtcNow.AddMinutes(-1));
        Assert.Equal(2, second.GetProperty("seq").GetInt64());

        var page = await viewer.ListMessagesAsync(roomId);
        Assert.Equal([2L, 1L], page.Seqs());
        Assert.Equal(2, page.GetProperty("lastSeq").GetInt64());
        Assert.Equal(JsonValueKind.Null, page.GetProperty("nextCursor").ValueKind);
    }

    [Fact]
    public async Task Viewer_CannotPostOrType_AndNonMembersOtherTenantsAndMissingRoomsAllGetRoomNotFound()
    {
        var (tenant, _, _, viewer, roomId) = await RoomAsync();
        using var stranger = _host.ClientFor("stranger", tenant);
        using var foreign = _host.ClientFor("owner", NewTenant());

        using (var posted = await viewer.PostMessageAsync(roomId, "hello"))
        {
            await posted.AssertErrorAsync(HttpStatusCode.Forbidden, "FORBIDDEN");
        }

        using (var typed = await viewer.PostAsync($"api/v1/rooms/{roomId}/typing", null))
        {
            await typed.AssertErrorAsync(HttpStatusCode.Forbidden, "FORBIDDEN");
        }

        foreach (var (client, room) in new[] { (stranger, roomId), (foreign, roomId), (viewer, "room_doesnotexist0000") })
        {
            using var post = await client.PostMessageAsync(room, "hello");
            await post.AssertErrorAsync(HttpStatusCode.NotFound, "ROOM_NOT_FOUND");
            using var list = await client.GetAsync($"api/v1/rooms/{room}/messages");
            await list.AssertErrorAsync(HttpStatusCode.NotFound, "ROOM_NOT_FOUND");
            using var react = await client.ReactAsync(room, "msg_1", "👍");
            await react.AssertErrorAsync(HttpStatusCode.NotFound, "ROOM_NOT_FOUND");
            using var read = await client.PostJsonAsync($"api/v1/rooms/{room}/read", new { seq = 1 });
            await read.AssertErrorAsync(HttpStatusCode.NotFound, "ROOM_NOT_FOUND");
        }

        Assert.Equal(0, (await viewer.ListMessagesAsync(roomId)).GetProperty("lastSeq").GetInt64());
    }

    [Theory]
    [InlineData("")]
    [InlineData("   \n\t ")]
    [InlineData(null)]
    public async Task Post_WithEmptyText_Returns400(string? text)
    {
        var (_, _, editor, _, roomId) = await RoomAsync();
        using var response = await editor.PostJsonAsync($"api/v1/rooms/{roomId}/messages", new { text });
        await response.AssertErrorAsync(HttpStatusCode.BadRequest, "VALIDATION_ERROR");
    }

    [Fact]
    public async Task Post_Accepts4000CharactersAfterTrimming_AndRefuses4001()
    {
        var (_, _, editor, _, roomId) = await RoomAsync();

        var longest = await editor.PostMessageOkAsync(roomId, "  " + new string('x', 4000) + "  ");
        Assert.Equal(4000, longest.GetProperty("text").GetString()!.Length);

        using var tooLong = await editor.PostMessageAsync(roomId, new string('x', 4001));
        await tooLong.AssertErrorAsync(HttpStatusCode.BadRequest, "VALIDATION_ERROR");
        using var badClientId = await editor.PostMessageAsync(roomId, "hi", clientMessageId: new string('c', 65));
        await badClientId.AssertErrorAsync(HttpStatusCode.BadRequest, "VALIDATION_ERROR");
        Assert.Equal(1, (await editor.ListMessagesAsync(roomId)).GetProperty("lastSeq").GetInt64());
    }

    [Fact]
    public async Task RetriedPostsWithOneClientMessageId_EvenConcurrent_StoreOneMessage_PerAuthor()
    {
        var (_, owner, editor, _, roomId) = await RoomAsync();

        var attempts = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => editor.PostMessageOkAsync(roomId, "Stopping line 4", clientMessageId: "c-123")));
        var again = await editor.PostMessageOkAsync(roomId, "Stopping line 4", clientMessageId: "c-123");
        var otherAuthor = await owner.PostMessageOkAsync(roomId, "Same id, other author", clientMessageId: "c-123");

        Assert.Single(attempts.Select(a => a.Id()).Append(again.Id()).Distinct());
        Assert.Equal(1, again.GetProperty("seq").GetInt64());
        Assert.Equal(2, otherAuthor.GetProperty("seq").GetInt64());
        var seqs = (await editor.ListMessagesAsync(roomId)).Seqs();
        Assert.Equal([2L, 1L], seqs);
    }

    [Fact]
    public async Task Reply_PointsAtAMessageOfTheRoom_AndAnUnknownOneIsRefused()
    {
        var (_, owner, editor, _, roomId) = await RoomAsync();
        var question = await owner.PostMessageOkAsync(roomId, "Who restarts it?");

        var answer = await editor.PostMessageOkAsync(roomId, "I do", replyTo: question.Id());
        Assert.Equal(question.Id(), answer.GetProperty("replyTo").GetString());

        foreach (var bad in new[] { "msg_99", "nonsense" })
        {
            using var response = await editor.PostMessageAsync(roomId, "to nowhere", replyTo: bad);
            await response.AssertErrorAsync(HttpStatusCode.BadRequest, "VALIDATION_ERROR");
        }
    }

    [Fact]
    public async Task NewestFirstPaging_WithSignedCursors_VisitsEveryMessageOnce()
    {
        var (tenant, owner, editor, viewer, roomId) = await RoomAsync();
        for (var i = 1; i <= 7; i++)
        {
            await editor.PostMessageOkAsync(roomId, $"update {i}");
        }

        var seen = new List<long>();
        string? cursor = null;
        var pages = 0;
        do
        {
            var page = await viewer.ListMessagesAsync(roomId, "?limit=3" + (cursor is null ? "" : "&cursor=" + Uri.EscapeDataString(cursor)));
            seen.AddRange(page.Seqs());
            cursor = page.GetProperty("nextCursor").GetString();
            pages++;
        }
        while (cursor is not null && pages < 10);

        Assert.Equal([7L, 6, 5, 4, 3, 2, 1], seen);
        Assert.Equal(3, pages);

        // A cursor is bound to its room and caller: another member, another room, or a tampered one is refused.
        var firstPage = await viewer.ListMessagesAsync(roomId, "?limit=3");
        var viewerCursor = firstPage.GetProperty("nextCursor").GetString()!;
        var otherRoom = await CreateRoomAsync(owner);
        await AddMemberAsync(owner, otherRoom, "viewer", "VIEWER");
        foreach (var (client, room, value) in new[] { (owner, roomId, viewerCursor), (viewer, otherRoom, viewerCursor), (viewer, roomId, viewerCursor[..^2] + "AA") })
        {
            using var response = await client.GetAsync($"api/v1/rooms/{room}/messages?cursor={Uri.EscapeDataString(value)}");
            await response.AssertErrorAsync(HttpStatusCode.BadRequest, "INVALID_CURSOR");
        }

        foreach (var query in new[] { "?limit=101", "?limit=0", "?afterSeq=-1" })
        {
            using var response = await viewer.GetAsync($"api/v1/rooms/{roomId}/messages{query}");
            await response.AssertErrorAsync(HttpStatusCode.BadRequest, "VALIDATION_ERROR");
        }

        _ = tenant;
    }

    [Fact]
    public async Task AfterSeq_ReturnsExactlyWhatFollows_OldestFirst_WithTombstones_AndAContinuationCursor()
    {
        var (_, _, editor, viewer, roomId) = await RoomAsync();
        for (var i = 1; i <= 6; i++)
        {
            await editor.PostMessageOkAsync(roomId, $"update {i}");
        }

        using (var deleted = await editor.DeleteAsync($"api/v1/rooms/{roomId}/messages/msg_4"))
        {
            Assert.Equal(HttpStatusCode.OK, deleted.StatusCode);
        }

        var first = await viewer.ListMessagesAsync(roomId, "?afterSeq=2&limit=2");
        Assert.Equal([3L, 4L], first.Seqs());
        Assert.Equal(JsonValueKind.Null, first.GetProperty("items")[1].GetProperty("text").ValueKind);
        Assert.Equal(6, first.GetProperty("lastSeq").GetInt64());
        var rest = await viewer.ListMessagesAsync(roomId, "?limit=10&cursor=" + Uri.EscapeDataString(first.GetProperty("nextCursor").GetString()!));
        Assert.Equal([5L, 6L], rest.Seqs());
        Assert.Equal(JsonValueKind.Null, rest.GetProperty("nextCursor").ValueKind);

        var upToDate = await viewer.ListMessagesAsync(roomId, "?afterSeq=6");
        Assert.Empty(upToDate.Seqs());
        Assert.Equal(JsonValueKind.Null, upToDate.GetProperty("nextCursor").ValueKind);
    }

    [Fact]
    public async Task Edit_ByTheAuthorSetsEditedAt_OthersAndDemotedAuthorsAreRefused_TombstonesCannotBeEdited()
    {
        var (_, owner, editor, _, roomId) = await RoomAsync();
        var message = await editor.PostMessageOkAsync(roomId, "Pressure 4 bar");

        var edited = await editor.EditMessageAsync(roomId, message.Id(), "Pressure 5 bar").ExpectJsonAsync();
        Assert.Equal("Pressure 5 bar", edited.GetProperty("text").GetString());
        Assert.Equal(1, edited.GetProperty("seq").GetInt64());
        Assert.NotEqual(JsonValueKind.Null, edited.GetProperty("editedAt").ValueKind);
        Assert.Equal("Pressure 5 bar", (await owner.ListMessagesAsync(roomId)).GetProperty("items")[0].GetProperty("text").GetString());

        using (var notAuthor = await owner.EditMessageAsync(roomId, message.Id(), "mine now"))
        {
            await notAuthor.AssertErrorAsync(HttpStatusCode.Forbidden, "FORBIDDEN");
        }

        using (var missing = await editor.EditMessageAsync(roomId, "msg_77", "x"))
        {
            await missing.AssertErrorAsync(HttpStatusCode.NotFound, "MESSAGE_NOT_FOUND");
        }

        using (var empty = await editor.EditMessageAsync(roomId, message.Id(), "  "))
        {
            await empty.AssertErrorAsync(HttpStatusCode.BadRequest, "VALIDATION_ERROR");
        }

        await AddMemberAsync(owner, roomId, "editor", "VIEWER");
        using (var demoted = await editor.EditMessageAsync(roomId, message.Id(), "still me"))
        {
            await demoted.AssertErrorAsync(HttpStatusCode.Forbidden, "FORBIDDEN");
        }

        await AddMemberAsync(owner, roomId, "editor", "EDITOR");
        using (await editor.DeleteAsync($"api/v1/rooms/{roomId}/messages/{message.Id()}"))
        {
        }

        using var tombstone = await editor.EditMessageAsync(roomId, message.Id(), "resurrect");
        await tombstone.AssertErrorAsync(HttpStatusCode.Conflict, "MESSAGE_DELETED");
    }

    [Fact]
    public async Task Delete_LeavesATombstone_OwnerDeletingAnotherMembersMessageIsAudited_AuthorDeletingIsNot()
    {
        var (tenant, owner, editor, viewer, roomId) = await RoomAsync();
        var mine = await editor.PostMessageOkAsync(roomId, "typo");
        var moderated = await editor.PostMessageOkAsync(roomId, "off topic");
        var ownersOwn = await owner.PostMessageOkAsync(roomId, "owner's note");
        using (await viewer.ReactAsync(roomId, moderated.Id(), "👎"))
        {
        }

        using (var editorDeletesOwners = await editor.DeleteAsync($"api/v1/rooms/{roomId}/messages/{ownersOwn.Id()}"))
        {
            await editorDeletesOwners.AssertErrorAsync(HttpStatusCode.Forbidden, "FORBIDDEN");
        }

        var byAuthor = await editor.DeleteAsync($"api/v1/rooms/{roomId}/messages/{mine.Id()}").ExpectJsonAsync();
        Assert.Equal(0, await AuditCountAsync(_host, tenant, "room.message_deleted"));

        var byOwner = await owner.DeleteAsync($"api/v1/rooms/{roomId}/messages/{moderated.Id()}").ExpectJsonAsync();
        var again = await owner.DeleteAsync($"api/v1/rooms/{roomId}/messages/{moderated.Id()}").ExpectJsonAsync();

        foreach (var tombstone in new[] { byAuthor, byOwner, again })
        {
            Assert.Equal(JsonValueKind.Null, tombstone.GetProperty("text").ValueKind);
            Assert.NotEqual(JsonValueKind.Null, tombstone.GetProperty("deletedAt").ValueKind);
            Assert.Equal(0, tombstone.GetProperty("reactions").GetArrayLength());
        }

        Assert.Equal(2, byOwner.GetProperty("seq").GetInt64());
        var seqs = (await viewer.ListMessagesAsync(roomId)).Seqs();
        Assert.Equal([3L, 2L, 1L], seqs);

        var entry = await SingleAuditAsync(_host, tenant, "room.message_deleted");
        Assert.Equal("owner", entry.GetProperty("actorId").GetString());
        Assert.Equal($"room:{roomId}/message:{moderated.Id()}", entry.GetProperty("target").GetString());
        Assert.Contains("editor", entry.GetProperty("before").GetString());

        using var react = await viewer.ReactAsync(roomId, moderated.Id(), "👍");
        await react.AssertErrorAsync(HttpStatusCode.Conflict, "MESSAGE_DELETED");
    }

    [Fact]
    public async Task Reactions_AreIdempotentPerUserMessageAndEmoji_ViewersMayReact_AndMeIsTheCallers()
    {
        var (_, owner, editor, viewer, roomId) = await RoomAsync();
        var message = await editor.PostMessageOkAsync(roomId, "Restarted");

        for (var i = 0; i < 2; i++)
        {
            using var put = await viewer.ReactAsync(roomId, message.Id(), "👍");
            Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        }

        var afterOwner = await owner.ReactAsync(roomId, message.Id(), "👍").ExpectJsonAsync();
        var reaction = Assert.Single(afterOwner.GetProperty("reactions").EnumerateArray());
        Assert.Equal("👍", reaction.GetProperty("emoji").GetString());
        Assert.Equal(2, reaction.GetProperty("count").GetInt32());
        Assert.True(reaction.GetProperty("me").GetBoolean());

        var asEditor = (await editor.ListMessagesAsync(roomId)).GetProperty("items")[0].GetProperty("reactions")[0];
        Assert.Equal(2, asEditor.GetProperty("count").GetInt32());
        Assert.False(asEditor.GetProperty("me").GetBoolean());

        for (var i = 0; i < 2; i++)
        {
            using var delete = await viewer.UnreactAsync(roomId, message.Id(), "👍");
            Assert.Equal(HttpStatusCode.OK, delete.StatusCode);
        }

        var left = await owner.UnreactAsync(roomId, message.Id(), "👍").ExpectJsonAsync();
        Assert.Equal(0, left.GetProperty("reactions").GetArrayLength());

        using var missing = await viewer.ReactAsync(roomId, "msg_9", "👍");
        await missing.AssertErrorAsync(HttpStatusCode.NotFound, "MESSAGE_NOT_FOUND");
        using var badEmoji = await viewer.ReactAsync(roomId, message.Id(), "a b");
        await badEmoji.AssertErrorAsync(HttpStatusCode.BadRequest, "VALIDATION_ERROR");
    }

    [Fact]
    public async Task AMessage_CarriesAtMost20DistinctEmoji_ButMoreMembersMayJoinAnExistingOne()
    {
        var (_, owner, editor, viewer, roomId) = await RoomAsync();
        var message = await editor.PostMessageOkAsync(roomId, "Vote");
        for (var i = 0; i < 20; i++)
        {
            using var put = await owner.ReactAsync(roomId, message.Id(), "e" + i);
            Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        }

        using (var twentyFirst = await viewer.ReactAsync(roomId, message.Id(), "e20"))
        {
            await twentyFirst.AssertErrorAsync(HttpStatusCode.Conflict, "TOO_MANY_REACTIONS");
        }

        var joined = await viewer.ReactAsync(roomId, message.Id(), "e7").ExpectJsonAsync();
        Assert.Equal(20, joined.GetProperty("reactions").GetArrayLength());
        Assert.Equal(2, joined.GetProperty("reactions").EnumerateArray().Single(r => r.GetProperty("emoji").GetString() == "e7").GetProperty("count").GetInt32());
    }

    [Fact]
    public async Task TwoMembersReactingAndAThirdPosting_AtOnce_AllSucceed()
    {
        var (_, owner, editor, viewer, roomId) = await RoomAsync();
        var target = await editor.PostMessageOkAsync(roomId, "React here");

        for (var round = 0; round < 10; round++)
        {
            var calls = new[]
            {
                owner.ReactAsync(roomId, target.Id(), "r" + round),
                viewer.ReactAsync(roomId, target.Id(), "r" + round),
                editor.PostMessageAsync(roomId, "post " + round),
            };
            var responses = await Task.WhenAll(calls);
            Assert.All(responses, r => Assert.True(r.IsSuccessStatusCode, $"{(int)r.StatusCode}"));
            foreach (var response in responses)
            {
                response.Dispose();
            }
        }

        var page = await owner.ListMessagesAsync(roomId, "?limit=100");
        Assert.Equal(Enumerable.Range(1, 11).Reverse().Select(i => (long)i), page.Seqs());
        var reactions = page.GetProperty("items").EnumerateArray().Single(m => m.Id() == target.Id()).GetProperty("reactions");
        Assert.Equal(10, reactions.GetArrayLength());
        Assert.All(reactions.EnumerateArray(), r => Assert.Equal(2, r.GetProperty("count").GetInt32()));
    }

    [Fact]
    public async Task ReadPosition_NeverMovesBackwards_IsCappedAtLastSeq_AndRoomsShowLastSeqAndUnreadCount()
    {
        var (_, owner, editor, viewer, roomId) = await RoomAsync();
        for (var i = 1; i <= 5; i++)
        {
            await editor.PostMessageOkAsync(roomId, $"m{i}");
        }

        var listed = Assert.Single((await viewer.GetAsync("api/v1/rooms").ExpectJsonAsync()).GetProperty("items").EnumerateArray());
        Assert.Equal(5, listed.GetProperty("lastSeq").GetInt64());
        Assert.Equal(5, listed.GetProperty("unreadCount").GetInt64());

        var read = await viewer.MarkReadAsync(roomId, 3);
        Assert.Equal(3, read.GetProperty("readSeq").GetInt64());
        Assert.Equal(2, read.GetProperty("unreadCount").GetInt64());

        var backwards = await viewer.MarkReadAsync(roomId, 1);
        Assert.Equal(3, backwards.GetProperty("readSeq").GetInt64());

        var beyond = await viewer.MarkReadAsync(roomId, 1000);
        Assert.Equal(5, beyond.GetProperty("readSeq").GetInt64());
        Assert.Equal(0, beyond.GetProperty("unreadCount").GetInt64());

        await owner.PostMessageOkAsync(roomId, "m6");
        var room = await viewer.GetAsync($"api/v1/rooms/{roomId}").ExpectJsonAsync();
        Assert.Equal(6, room.GetProperty("lastSeq").GetInt64());
        Assert.Equal(1, room.GetProperty("unreadCount").GetInt64());

        // The author's own post counts as read by them.
        var ownersRoom = await owner.GetAsync($"api/v1/rooms/{roomId}").ExpectJsonAsync();
        Assert.Equal(0, ownersRoom.GetProperty("unreadCount").GetInt64());

        using var invalid = await viewer.PostJsonAsync($"api/v1/rooms/{roomId}/read", new { seq = -1 });
        await invalid.AssertErrorAsync(HttpStatusCode.BadRequest, "VALIDATION_ERROR");
    }

    [Fact]
    public async Task RemovedMember_LosesReadAndWrite_AtOnce()
    {
        var (_, owner, editor, _, roomId) = await RoomAsync();
        var message = await editor.PostMessageOkAsync(roomId, "before removal");
        using (await owner.DeleteAsync($"api/v1/rooms/{roomId}/members/editor"))
        {
        }

        using var post = await editor.PostMessageAsync(roomId, "after removal");
        await post.AssertErrorAsync(HttpStatusCode.NotFound, "ROOM_NOT_FOUND");
        using var list = await editor.GetAsync($"api/v1/rooms/{roomId}/messages");
        await list.AssertErrorAsync(HttpStatusCode.NotFound, "ROOM_NOT_FOUND");
        using var edit = await editor.EditMessageAsync(roomId, message.Id(), "x");
        await edit.AssertErrorAsync(HttpStatusCode.NotFound, "ROOM_NOT_FOUND");
        using var delete = await editor.DeleteAsync($"api/v1/rooms/{roomId}/messages/{message.Id()}");
        await delete.AssertErrorAsync(HttpStatusCode.NotFound, "ROOM_NOT_FOUND");
    }

    [Fact]
    public async Task FileUploads_ByEitherPath_PostAFileMessageWithMetadataButNoLink()
    {
        var (_, owner, editor, viewer, roomId) = await RoomAsync();
        var multipart = await UploadAsync(editor, roomId, Png(), "gauge.png", "pressure gauge").ExpectJsonAsync(HttpStatusCode.Created);

        var direct = await owner.PostJsonAsync($"api/v1/rooms/{roomId}/files/upload-url", new { filename = "notes.txt", size = Text().Length })
            .ExpectJsonAsync(HttpStatusCode.Created);
        var blob = new Azure.Storage.Blobs.BlobClient(new Uri(direct.GetProperty("uploadUrl").GetString()!));
        await blob.UploadAsync(new BinaryData(Text()));
        var completed = await owner.PostAsync($"api/v1/rooms/{roomId}/files/{direct.GetProperty("fileId").GetString()}/complete", null).ExpectJsonAsync(HttpStatusCode.Created);
        await owner.PostAsync($"api/v1/rooms/{roomId}/files/{direct.GetProperty("fileId").GetString()}/complete", null).ExpectJsonAsync(HttpStatusCode.Created);

        var page = await viewer.ListMessagesAsync(roomId, "?afterSeq=0");
        Assert.Equal([1L, 2L], page.Seqs());
        var raw = page.GetRawText();
        Assert.DoesNotContain("sig=", raw, StringComparison.Ordinal);
        Assert.DoesNotContain("downloadUrl", raw, StringComparison.Ordinal);
        foreach (var (message, uploaded, author) in new[] { (page.GetProperty("items")[0], multipart, "editor"), (page.GetProperty("items")[1], completed, "owner") })
        {
            Assert.Equal("file", message.GetProperty("kind").GetString());
            Assert.Equal(author, message.GetProperty("authorId").GetString());
            var file = message.GetProperty("file");
            Assert.Equal(uploaded.GetProperty("fileId").GetString(), file.GetProperty("fileId").GetString());
            Assert.Equal(uploaded.GetProperty("filename").GetString(), file.GetProperty("filename").GetString());
            Assert.Equal(uploaded.GetProperty("size").GetInt64(), file.GetProperty("size").GetInt64());
            Assert.Equal(uploaded.GetProperty("mimeType").GetString(), file.GetProperty("mimeType").GetString());
        }

        Assert.Equal("pressure gauge", page.GetProperty("items")[0].GetProperty("file").GetProperty("description").GetString());
    }

    [Fact]
    public async Task Mentions_OfMembers_SendNoteMentionedOncePerMessageAndMember_EvenAcrossEdits()
    {
        var (tenant, owner, editor, viewer, roomId) = await RoomAsync();
        await AddMemberAsync(owner, roomId, "carol", "VIEWER");
        using var carol = _host.ClientFor("carol", tenant);
        using var stranger = _host.ClientFor("stranger", tenant);

        var message = await editor.PostMessageOkAsync(roomId, "@viewer please check, cc @stranger and @editor");
        await editor.EditMessageAsync(roomId, message.Id(), "@viewer please check now, cc @carol.").ExpectJsonAsync();
        await editor.EditMessageAsync(roomId, message.Id(), "@viewer @carol done?").ExpectJsonAsync();

        var carolsInbox = await ApiAssertions.EventuallyAsync(() => MentionsAsync(carol), items => items.Count >= 1);
        var viewersInbox = await ApiAssertions.EventuallyAsync(() => MentionsAsync(viewer), items => items.Count >= 1);
        var mention = Assert.Single(viewersInbox);
        Assert.Contains("Line 4 incident", mention.GetProperty("title").GetString());
        Assert.Single(carolsInbox);

        // Give the processor time to deliver anything extra before asserting there is nothing more.
        await Task.Delay(1500);
        Assert.Single(await MentionsAsync(viewer));
        Assert.Single(await MentionsAsync(carol));
        Assert.Empty(await MentionsAsync(stranger));
        Assert.Empty(await MentionsAsync(editor));
    }

    private static async Task<List<JsonElement>> MentionsAsync(HttpClient client)
    {
        var inbox = await client.GetAsync("api/v1/notifications?type=note.mentioned").ExpectJsonAsync();
        return inbox.GetProperty("items").EnumerateArray().ToList();
    }

    [Fact]
    public async Task DeletingARoomsStream_RemovesItsMessagesMarkersAndReadPositions()
    {
        var (tenant, _, editor, viewer, roomId) = await RoomAsync();
        for (var i = 0; i < 3; i++)
        {
            await editor.PostMessageOkAsync(roomId, "m" + i, clientMessageId: "c" + i);
        }

        await viewer.MarkReadAsync(roomId, 2);
        var store = _host.Services.GetRequiredService<RoomMessageStore>();

        var removed = await store.DeleteStreamAsync(tenant, roomId, CancellationToken.None);

        Assert.Equal(3 + 3 + 1 + 2, removed); // messages, markers, counter, two read rows
        var left = store.Table.QueryAsync<Azure.Data.Tables.TableEntity>(Azure.Data.Tables.TableClient.CreateQueryFilter($"PartitionKey eq {RoomMessageKeys.Partition(tenant, roomId)}"));
        Assert.Empty(await left.ToListAsync());
    }
}

/// <summary>The per-user, per-room posting limit, with a small limit set for this host.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class RoomChatRateLimitTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private TestHost _host = null!;

    public async Task InitializeAsync() => _host = await TestHost.StartAsync(azurite, new Dictionary<string, string?> { ["RoomChat:PostsPerUserPerMinute"] = "3" });

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task PostingAboveTheLimit_Returns429WithRetryAfter_ForThatUserAndRoomOnly()
    {
        var tenant = NewTenant();
        using var owner = _host.ClientFor("owner", tenant);
        var roomId = await CreateRoomAsync(owner);
        var otherRoom = await CreateRoomAsync(owner);
        await AddMemberAsync(owner, roomId, "editor", "EDITOR");
        using var editor = _host.ClientFor("editor", tenant);

        for (var i = 0; i < 3; i++)
        {
            await owner.PostMessageOkAsync(roomId, "ok " + i);
        }

        using var limited = await owner.PostMessageAsync(roomId, "one too many");
        await limited.AssertErrorAsync((HttpStatusCode)429, "RATE_LIMITED");
        var retryAfter = int.Parse(limited.Headers.GetValues("Retry-After").Single(), System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(retryAfter, 1, 60);

        await editor.PostMessageOkAsync(roomId, "another user");
        await owner.PostMessageOkAsync(otherRoom, "another room");
        Assert.Equal(4, (await owner.ListMessagesAsync(roomId)).GetProperty("lastSeq").GetInt64());
    }
}
