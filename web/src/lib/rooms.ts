export type RoomRole = "OWNER" | "EDITOR" | "VIEWER";

export interface RoomSummary {
  roomId: string;
  name: string;
  myRole: RoomRole;
  /** Issue 14's read state; absent until the chat API is deployed. */
  unreadCount?: number;
  lastSeq?: number;
}

export interface RoomMember {
  userId: string;
  role: RoomRole;
  addedAt: string;
}

export interface Room {
  roomId: string;
  name: string;
  createdBy: string;
  createdAt: string;
  myRole: RoomRole;
  members: RoomMember[];
}

export interface RoomFile {
  fileId: string;
  roomId: string;
  filename: string;
  fileType: string;
  mimeType: string;
  size: number;
  description: string | null;
  uploaderId: string;
  uploadedAt: string;
  downloadUrl?: string;
}

export interface Reaction {
  emoji: string;
  count: number;
  me: boolean;
}

/** A room message (issue 14's contract). */
export interface Message {
  messageId: string;
  seq: number;
  roomId: string;
  authorId: string;
  text: string | null;
  replyTo: string | null;
  createdAt: string;
  editedAt: string | null;
  deletedAt: string | null;
  reactions: Reaction[];
  kind: string;
  file?: Partial<RoomFile> | null;
}

export interface MessagePage {
  items: Message[];
  nextCursor: string | null;
  seq?: number;
}

export function roomPath(roomId: string, rest = ""): string {
  return `/v1/rooms/${encodeURIComponent(roomId)}${rest}`;
}

/** Newest last for display, one per seq. */
export function mergeMessages(list: Message[], incoming: Message[]): Message[] {
  const bySeq = new Map(list.map((m) => [m.seq, m]));
  for (const m of incoming) bySeq.set(m.seq, m);
  return [...bySeq.values()].sort((a, b) => a.seq - b.seq);
}
