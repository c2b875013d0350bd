using System.Xml.Linq;

namespace Serverless.Storage;

/// <summary>XML response bodies of Blob and Queue. Azure prefixes them with a UTF-8 byte-order mark; Azurite does not.</summary>
internal static class StorageXml
{
    public static XElement Parse(string text) =>
        XDocument.Parse(text.TrimStart('\uFEFF')).Root ?? throw new StorageRequestFailedException(200, null, "The service returned an empty XML document.");
}
