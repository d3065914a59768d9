import { absolute, relativeTime } from './format';

/** A moment as people say it ("3 hours ago"), machine-readable, the exact time on hover. */
export function When({ iso }: { iso: string }) {
  return (
    <time datetime={iso} title={absolute(iso)}>
      {relativeTime(iso)}
    </time>
  );
}
