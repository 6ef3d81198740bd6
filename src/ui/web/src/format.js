// Formatting of times, durations and sizes. Times are shown in the browser's local time zone.

const pad = (n, w = 2) => String(n).padStart(w, "0");

// "2024-05-01 14:03:22" in local time; "" for null.
export function localTime(ms) {
  if (ms === null || ms === undefined) return "";
  const d = new Date(ms);
  if (Number.isNaN(d.getTime())) return "";
  return (
    `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ` +
    `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`
  );
}

// "14:03:22.120": for log lines, where the date is rarely useful.
export function clockTime(ms) {
  if (ms === null || ms === undefined) return "";
  const d = new Date(ms);
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}

// "just now", "3 min ago", "2 h ago", "5 days ago" (or "in 3 min" for a time ahead of ours).
export function relativeTime(ms, now = Date.now()) {
  if (ms === null || ms === undefined) return "";
  const diff = now - ms;
  const ahead = diff < 0;
  const sec = Math.abs(diff) / 1000;
  let text;
  if (sec < 45) return "just now";
  if (sec < 3600) text = `${Math.max(1, Math.round(sec / 60))} min`;
  else if (sec < 86400) text = `${Math.round(sec / 3600)} h`;
  else if (sec < 86400 * 45) {
    const days = Math.round(sec / 86400);
    text = `${days} day${days === 1 ? "" : "s"}`;
  } else if (sec < 86400 * 365) {
    const months = Math.round(sec / (86400 * 30));
    text = `${months} month${months === 1 ? "" : "s"}`;
  } else {
    const years = Math.round(sec / (86400 * 365));
    text = `${years} year${years === 1 ? "" : "s"}`;
  }
  return ahead ? `in ${text}` : `${text} ago`;
}

// "850ms", "4.2s", "37s", "1m 23s", "2h 05m", "3d 4h"; "" for null.
export function duration(ms) {
  if (ms === null || ms === undefined || Number.isNaN(ms)) return "";
  if (ms < 0) ms = 0;
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const totalSec = ms / 1000;
  if (totalSec < 10) return `${totalSec.toFixed(1)}s`;
  const sec = Math.floor(totalSec);
  if (sec < 60) return `${sec}s`;
  const min = Math.floor(sec / 60);
  if (min < 60) return `${min}m ${pad(sec % 60)}s`;
  const hours = Math.floor(min / 60);
  if (hours < 24) return `${hours}h ${pad(min % 60)}m`;
  return `${Math.floor(hours / 24)}d ${hours % 24}h`;
}

// "1.2 MB"; "" for null.
export function bytes(n) {
  if (n === null || n === undefined) return "";
  if (n < 1024) return `${n} B`;
  const units = ["KB", "MB", "GB", "TB"];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v < 10 ? v.toFixed(1) : Math.round(v)} ${units[i]}`;
}

// 12345 -> "12,345".
export function count(n) {
  return Number(n).toLocaleString("en-US");
}
