import { useCallback, useEffect, useRef, useState } from "react";
import { errorText } from "../lib/api";
import { roomPath, type Room, type RoomFile } from "../lib/rooms";
import { useServices } from "../lib/services";
import { formatSize, relativeTime, useNow } from "../lib/time";
import { uploadFile } from "../lib/upload";

interface Upload {
  id: number;
  name: string;
  progress: number;
  error?: string;
}

let uploadIds = 0;

/**
 * Room files: drag-and-drop (or choose) upload with progress, image previews, downloads through a fresh access-checked
 * link, delete for the uploader or an owner, and restore (owners) of what was deleted here.
 */
export function RoomFiles({ room }: { room: Room }) {
  const { api, realtime, session } = useServices();
  const [files, setFiles] = useState<RoomFile[]>([]);
  const [previews, setPreviews] = useState<Record<string, string>>({});
  const [deleted, setDeleted] = useState<RoomFile[]>([]);
  const [uploads, setUploads] = useState<Upload[]>([]);
  const [dragging, setDragging] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const input = useRef<HTMLInputElement>(null);
  const now = useNow();
  const canUpload = room.myRole === "OWNER" || room.myRole === "EDITOR";
  const isOwner = room.myRole === "OWNER";

  const link = useCallback((fileId: string) => api<RoomFile>(roomPath(room.roomId, `/files/${encodeURIComponent(fileId)}`)), [api, room.roomId]);

  const preview = useCallback(
    (file: RoomFile) => {
      if (file.fileType !== "image") return;
      const ready = file.downloadUrl ? Promise.resolve(file) : link(file.fileId);
      ready.then((f) => f.downloadUrl && setPreviews((p) => ({ ...p, [f.fileId]: f.downloadUrl! }))).catch(() => undefined);
    },
    [link],
  );

  const add = useCallback(
    (file: RoomFile) => {
      setFiles((list) => (list.some((f) => f.fileId === file.fileId) ? list : [file, ...list]));
      preview(file);
    },
    [preview],
  );

  const load = useCallback(() => {
    api<{ items: RoomFile[] }>(roomPath(room.roomId, "/files?limit=50"))
      .then((r) => {
        setFiles(r.items);
        r.items.forEach(preview);
      })
      .catch((e) => setError(errorText(e)));
  }, [api, room.roomId, preview]);

  useEffect(() => {
    load();
    const offs = [
      realtime.on<RoomFile>("fileUploaded", (f) => f.roomId === room.roomId && add(f)),
      realtime.on<{ fileId: string }>("fileDeleted", ({ fileId }) => setFiles((list) => list.filter((f) => f.fileId !== fileId))),
      realtime.onConnected(load),
    ];
    return () => offs.forEach((off) => off());
  }, [load, add, realtime, room.roomId]);

  const upload = (list: FileList | File[]) => {
    for (const file of Array.from(list)) {
      const id = ++uploadIds;
      setUploads((u) => [...u, { id, name: file.name, progress: 0 }]);
      const progress = (p: number) => setUploads((u) => u.map((x) => (x.id === id ? { ...x, progress: p } : x)));
      uploadFile<RoomFile>(roomPath(room.roomId, "/files"), file, progress)
        .then((f) => {
          add(f);
          setUploads((u) => u.filter((x) => x.id !== id));
        })
        .catch((e) => setUploads((u) => u.map((x) => (x.id === id ? { ...x, error: errorText(e) } : x))));
    }
  };

  const download = async (file: RoomFile) => {
    try {
      const fresh = await link(file.fileId);
      const a = document.createElement("a");
      a.href = fresh.downloadUrl!;
      a.download = file.filename;
      a.rel = "noopener";
      document.body.appendChild(a);
      a.click();
      a.remove();
    } catch (e) {
      setError(errorText(e));
    }
  };

  const remove = async (file: RoomFile) => {
    try {
      await api(roomPath(room.roomId, `/files/${encodeURIComponent(file.fileId)}`), { method: "DELETE" });
      setFiles((list) => list.filter((f) => f.fileId !== file.fileId));
      setDeleted((d) => [file, ...d]);
    } catch (e) {
      setError(errorText(e));
    }
  };

  const restore = async (file: RoomFile) => {
    try {
      const restored = await api<RoomFile>(roomPath(room.roomId, `/files/${encodeURIComponent(file.fileId)}/restore`), { method: "POST" });
      setDeleted((d) => d.filter((f) => f.fileId !== file.fileId));
      add(restored);
    } catch (e) {
      setError(errorText(e));
    }
  };

  return (
    <section className="panel" aria-labelledby="files-title">
      <h3 id="files-title">Files</h3>
      {error && <p className="error" role="alert">{error}</p>}
      {canUpload && (
        <div
          className={`dropzone${dragging ? " dragging" : ""}`}
          data-testid="file-dropzone"
          onDragOver={(e) => {
            e.preventDefault();
            setDragging(true);
          }}
          onDragLeave={() => setDragging(false)}
          onDrop={(e) => {
            e.preventDefault();
            setDragging(false);
            upload(e.dataTransfer.files);
          }}
        >
          <p>Drop files here, or</p>
          <label className="button">
            Choose files
            <input
              ref={input}
              type="file"
              multiple
              data-testid="file-input"
              className="visually-hidden"
              onChange={(e) => {
                if (e.target.files) upload(e.target.files);
                e.target.value = "";
              }}
            />
          </label>
        </div>
      )}
      {uploads.map((u) => (
        <div key={u.id} className="upload" data-testid="upload-progress">
          <label>
            {u.name}
            <progress max={1} value={u.progress} aria-label={`Uploading ${u.name}`} />
          </label>
          {u.error && <span className="error" role="alert">{u.error}</span>}
        </div>
      ))}
      <ul className="files">
        {files.map((f) => (
          <li key={f.fileId} data-testid="file-item" data-file-id={f.fileId} data-file-type={f.fileType}>
            {previews[f.fileId] ? (
              <img className="preview" data-testid="file-preview" src={previews[f.fileId]} alt={`Preview of ${f.filename}`} />
            ) : (
              <span className="file-icon" aria-hidden="true">
                {(f.filename.split(".").pop() ?? f.fileType).slice(0, 4).toUpperCase()}
              </span>
            )}
            <div className="file-info">
              <span className="file-name">{f.filename}</span>
              <span className="file-meta">
                {formatSize(f.size)} · {f.uploaderId} · <time dateTime={f.uploadedAt}>{relativeTime(f.uploadedAt, now)}</time>
              </span>
            </div>
            <span className="actions">
              <button type="button" onClick={() => void download(f)} aria-label={`Download ${f.filename}`}>
                Download
              </button>
              {(isOwner || f.uploaderId === session.userId) && (
                <button type="button" onClick={() => void remove(f)} aria-label={`Delete ${f.filename}`}>
                  Delete
                </button>
              )}
            </span>
          </li>
        ))}
      </ul>
      {files.length === 0 && <p className="empty">No files yet.</p>}
      {isOwner && deleted.length > 0 && (
        <div className="deleted">
          <h4>Deleted here</h4>
          <ul>
            {deleted.map((f) => (
              <li key={f.fileId}>
                {f.filename}{" "}
                <button type="button" onClick={() => void restore(f)} aria-label={`Restore ${f.filename}`}>
                  Restore
                </button>
              </li>
            ))}
          </ul>
        </div>
      )}
    </section>
  );
}
