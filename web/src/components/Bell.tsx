import { useInbox } from "../lib/services";

/** The bell with the live unseen count (what arrived since it was last opened); toggles the notification center. */
export function Bell({ open, onToggle }: { open: boolean; onToggle: () => void }) {
  const { unseenCount, unreadCount } = useInbox();
  const label = `Notifications, ${unseenCount === 0 ? "" : `${unseenCount} new, `}${unreadCount === 0 ? "none" : unreadCount} unread`;
  return (
    <button type="button" id="bell-button" className="bell" data-testid="bell" aria-label={label} aria-expanded={open} aria-controls="notification-center" onClick={onToggle}>
      <svg viewBox="0 0 24 24" width="22" height="22" aria-hidden="true" focusable="false">
        <path fill="currentColor" d="M12 22a2.5 2.5 0 0 0 2.45-2h-4.9A2.5 2.5 0 0 0 12 22Zm7-6V11a7 7 0 0 0-5.5-6.84V3a1.5 1.5 0 0 0-3 0v1.16A7 7 0 0 0 5 11v5l-2 2v1h18v-1l-2-2Z" />
      </svg>
      <span className={`unread-badge${unseenCount === 0 ? " zero" : ""}`} data-testid="unread-badge" data-unread={unreadCount} aria-hidden="true">
        {unseenCount}
      </span>
    </button>
  );
}
