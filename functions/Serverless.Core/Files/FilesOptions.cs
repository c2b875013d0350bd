using System.ComponentModel.DataAnnotations;

namespace Serverless.Core.Files;

/// <summary>Room file settings (section "Files"): soft-delete retention and SAS link lifetimes.</summary>
public sealed class FilesOptions
{
    public const string SectionName = "Files";

    /// <summary>Days a soft-deleted file can be restored before the purge timer removes its blob and row.</summary>
    [Range(1, 3650)]
    public int RetentionDays { get; set; } = 30;

    /// <summary>
    /// Lifetime of the read-only download SAS, issued fresh by every access-checked read (get, list, /content). At most 5
    /// minutes, so a link outlives a removed member's or a deleted file's access by no more than that.
    /// </summary>
    [Range(1, MaxDownloadUrlMinutes)]
    public int DownloadUrlMinutes { get; set; } = MaxDownloadUrlMinutes;

    public const int MaxDownloadUrlMinutes = 5;

    /// <summary>Lifetime of the create/write SAS for a direct upload.</summary>
    [Range(1, 24 * 60)]
    public int UploadUrlMinutes { get; set; } = 10;
}
