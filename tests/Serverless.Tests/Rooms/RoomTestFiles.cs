using System.Buffers.Binary;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Serverless.Core.Auth;
using Serverless.Tests.Infrastructure;

namespace Serverless.Tests.Rooms;

/// <summary>Minimal valid file contents for each allowed type, and small API helpers for room tests.</summary>
public static class RoomTestFiles
{
    public static byte[] Png(int size = 256) => Pad([0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13, (byte)'I', (byte)'H', (byte)'D', (byte)'R'], size);

    public static byte[] Jpeg() => Pad([0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, (byte)'J', (byte)'F', (byte)'I', (byte)'F', 0], 300);

    public static byte[] Gif() => Pad("GIF89a"u8.ToArray(), 100);

    public static byte[] Webp()
    {
        var bytes = Pad([.. "RIFF"u8, 0, 0, 0, 0, .. "WEBPVP8 "u8], 120);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(4), (uint)(bytes.Length - 8));
        return bytes;
    }

    public static byte[] Pdf() => Encoding.ASCII.GetBytes("%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n");

    public static byte[] Docx() => Zip(("[Content_Types].xml", "<Types/>"), ("word/document.xml", "<w:document/>"));

    public static byte[] Xlsx() => Zip(("[Content_Types].xml", "<Types/>"), ("xl/workbook.xml", "<workbook/>"));

    public static byte[] Pptx() => Zip(("[Content_Types].xml", "<Types/>"), ("ppt/presentation.xml", "<presentation/>"));

    public static byte[] Odt() => Zip(("mimetype", "application/vnd.oasis.opendocument.text"), ("content.xml", "<office:document-content/>"));

    public static byte[] PlainZip() => Zip(("readme.txt", "hello"));

    public static byte[] Text(string text = "line one\nline two\n") => Encoding.UTF8.GetBytes(text);

    public static byte[] WindowsExecutable() => Pad("MZ"u8.ToArray(), 512);

    /// <summary>A zip with stored (uncompressed) entries, as far as the type detector reads it.</summary>
    public static byte[] Zip(params (string Name, string Content)[] entries)
    {
        using var stream = new MemoryStream();
        foreach (var (name, content) in entries)
        {
            var nameBytes = Encoding.ASCII.GetBytes(name);
            var data = Encoding.ASCII.GetBytes(content);
            var header = new byte[30];
            "PK\u0003\u0004"u8.CopyTo(header);
            BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(4), 20);
            BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(18), (uint)data.Length);
            BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(22), (uint)data.Length);
            BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(26), (ushort)nameBytes.Length);
            stream.Write(header);
            stream.Write(nameBytes);
            stream.Write(data);
        }

        return stream.ToArray();
    }

    private static byte[] Pad(byte[] head, int size)
    {
        var bytes = new byte[Math.Max(size, head.Length)];
        head.CopyTo(bytes, 0);
        for (var i = head.Length; i < bytes.Length; i++)
        {
            bytes[i] = (byte)(i * 31);
        }

        return bytes;
    }

    public static string NewTenant() => "t-" + Guid.NewGuid().ToString("N")[..10];

    public static async Task<string> CreateRoomAsync(HttpClient owner, string name = "Design review")
    {
        var room = await owner.PostJsonAsync("api/v1/rooms", new { name }).ExpectJsonAsync(System.Net.HttpStatusCode.Created);
        return room.GetProperty("roomId").GetString()!;
    }

    public static async Task AddMemberAsync(HttpClient owner, string roomId, string userId, string role)
    {
        using var response = await owner.PutAsJsonAsync($"api/v1/rooms/{roomId}/members/{userId}", new { role });
        Assert.True(response.IsSuccessStatusCode, $"Adding {userId} as {role} failed with {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
    }

    public static Task<HttpResponseMessage> UploadAsync(HttpClient client, string roomId, byte[] content, string fileName, string? description = null)
    {
        var form = new MultipartFormDataContent();
        var file = new ByteArrayContent(content);
        file.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        form.Add(file, "file", fileName);
        if (description is not null)
        {
            form.Add(new StringContent(description, Encoding.UTF8), "description");
        }

        return client.PostAsync($"api/v1/rooms/{roomId}/files", form);
    }

    public static async Task<int> AuditCountAsync(TestHost host, string tenant, string action)
    {
        using var admin = host.ClientFor("auditor", tenant, Roles.Admin);
        var page = await admin.GetAsync($"api/v1/admin/audit?action={action}").ExpectJsonAsync();
        return page.GetProperty("items").GetArrayLength();
    }

    public static async Task<JsonElement> SingleAuditAsync(TestHost host, string tenant, string action)
    {
        using var admin = host.ClientFor("auditor", tenant, Roles.Admin);
        var page = await admin.GetAsync($"api/v1/admin/audit?action={action}").ExpectJsonAsync();
        return Assert.Single(page.GetProperty("items").EnumerateArray());
    }
}
