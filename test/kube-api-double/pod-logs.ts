/** Container logs the double serves on `pods/<name>/log`, written by tests acting as a kubelet. */
export interface PodLogs {
  append(namespace: string, pod: string, container: string, text: string): void;
  /** The container exited: a follower's stream ends once it has read everything. */
  finish(namespace: string, pod: string, container: string): void;
  read(namespace: string, pod: string, container: string): string;
  /** Sends what is there, then every append, until finished or cancelled. */
  follow(namespace: string, pod: string, container: string, write: (text: string) => void, end: () => void): () => void;
}

interface Log {
  text: string;
  finished: boolean;
  readonly followers: Set<{ write: (text: string) => void; end: () => void }>;
}

export function createPodLogs(): PodLogs {
  const logs = new Map<string, Log>();
  const log = (namespace: string, pod: string, container: string): Log => {
    const key = `${namespace}/${pod}/${container}`;
    let entry = logs.get(key);
    if (!entry) logs.set(key, (entry = { text: "", finished: false, followers: new Set() }));
    return entry;
  };
  return {
    append(namespace, pod, container, text) {
      const entry = log(namespace, pod, container);
      entry.text += text;
      for (const follower of entry.followers) follower.write(text);
    },
    finish(namespace, pod, container) {
      const entry = log(namespace, pod, container);
      entry.finished = true;
      for (const follower of entry.followers) follower.end();
      entry.followers.clear();
    },
    read: (namespace, pod, container) => log(namespace, pod, container).text,
    follow(namespace, pod, container, write, end) {
      const entry = log(namespace, pod, container);
      if (entry.text) write(entry.text);
      if (entry.finished) {
        end();
        return () => undefined;
      }
      const follower = { write, end };
      entry.followers.add(follower);
      return () => void entry.followers.delete(follower);
    },
  };
}
