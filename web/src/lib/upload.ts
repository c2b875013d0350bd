import { readResponse } from "./api";
import { getToken } from "./auth";
import { apiUrl } from "./config";

/** Multipart upload through the API with progress (fetch reports no upload progress, XMLHttpRequest does). */
export async function uploadFile<T>(path: string, file: File, onProgress: (fraction: number) => void): Promise<T> {
  const token = await getToken();
  const form = new FormData();
  form.append("file", file, file.name);
  const response = await new Promise<Response>((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", apiUrl(path));
    xhr.setRequestHeader("Authorization", `Bearer ${token}`);
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable) onProgress(e.loaded / e.total);
    };
    xhr.onload = () => resolve(new Response(xhr.status === 204 ? null : xhr.responseText, { status: xhr.status, statusText: xhr.statusText }));
    xhr.onerror = () => reject(new Error("The upload failed: the server could not be reached."));
    xhr.send(form);
  });
  onProgress(1);
  return readResponse<T>(response);
}
