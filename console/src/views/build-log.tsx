import { useEffect, useRef, useState } from "preact/hooks";
import { Code, ConnectError } from "@connectrpc/connect";
import { api } from "../api.js";
import { ErrorNote } from "../ui.js";

/**
 * A build's log, followed live (BuildService.StreamBuildLogs with follow). After a broken stream it
 * resumes from the offset it reached, so nothing is shown twice; the stream ends when the build does.
 */
export function BuildLog({ org, build }: { org: string; build: string }) {
  const [lines, setLines] = useState<{ step: string; text: string }[]>([]);
  const [state, setState] = useState<"following" | "ended">("following");
  const [error, setError] = useState<string>();
  const bottom = useRef<HTMLDivElement>(null);

  useEffect(() => {
    setLines([]);
    setState("following");
    setError(undefined);
    const controller = new AbortController();
    let offset = 0;
    const decoder = new TextDecoder();
    const follow = async (): Promise<void> => {
      try {
        for await (const chunk of api.builds.streamBuildLogs({ namespace: org, name: build, offset, follow: true }, { signal: controller.signal })) {
          offset = chunk.nextOffset;
          const text = decoder.decode(chunk.data);
          setLines((prev) => [...prev, { step: chunk.step, text: chunk.truncated ? `[earlier output dropped]\n${text}` : text }]);
          setError(undefined);
        }
        setState("ended");
      } catch (err) {
        if (controller.signal.aborted) return;
        const e = ConnectError.from(err);
        setError(e.rawMessage);
        if (e.code === Code.NotFound || e.code === Code.PermissionDenied || e.code === Code.Unauthenticated) return;
        setTimeout(() => void follow(), 2000);
      }
    };
    void follow();
    return () => controller.abort();
  }, [org, build]);

  useEffect(() => bottom.current?.scrollIntoView({ block: "nearest" }), [lines.length]);

  return (
    <div class="log-wrap">
      <p class="muted" aria-live="polite">
        Log of {build}: {state === "following" ? "following" : "complete"}
      </p>
      <ErrorNote error={error} />
      <pre class="log" tabIndex={0} aria-label={`Log of build ${build}`} data-testid="build-log">
        {lines.map((l, i) => (
          <span key={i} class="log-chunk" data-step={l.step}>
            {l.text}
          </span>
        ))}
        <div ref={bottom} />
      </pre>
    </div>
  );
}
