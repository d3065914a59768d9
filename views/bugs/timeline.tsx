import type { Child } from 'hono/jsx';
import type { TimelineEvent } from '../../worker/db/states';
import { STATE_NAMES } from '../components/format';
import { When } from '../components/when';

/** What the timeline says each kind of event was. */
const KIND_TEXT: Record<TimelineEvent['kind'], string> = {
  state_changed: 'moved this report',
  retest_requested: 'asked for a retest',
  withdrawn: 'withdrew this report',
  reopened: 'reopened this report',
};

/** One change on a report's timeline: who, when, from → to, and the note. */
export function TimelineEntry({ event }: { event: TimelineEvent }) {
  return (
    <li class="event" id={`event-${event.id}`}>
      <p class="comment-meta">
        <span>
          {event.username ? <a href={`/users/${encodeURIComponent(event.username)}`}>{event.username}</a> : 'BLT-Next'}{' '}
          {KIND_TEXT[event.kind]}: <span class="from-state">{STATE_NAMES[event.from_state]}</span> →{' '}
          <strong>{STATE_NAMES[event.to_state]}</strong>
          {event.to_state === 'duplicate' && event.duplicate_of !== null ? (
            <>
              {' '}
              of <a href={`/bugs/${event.duplicate_of}`}>#{event.duplicate_of}</a>
            </>
          ) : null}
        </span>{' '}
        <When iso={event.created_at} />
      </p>
      {event.note ? <p class="comment-body">{event.note}</p> : null}
    </li>
  );
}

/**
 * Comments and timeline events in the order they happened (comments keep their own markup,
 * rendered by `comment`); ties go to the event, which usually prompted the comment.
 */
export function interleave<C extends { created_at: string }>(
  comments: readonly C[],
  events: readonly TimelineEvent[] | undefined,
  comment: (c: C) => Child,
): Child[] {
  const out: Child[] = [];
  let e = 0;
  const evs = events ?? [];
  for (const c of comments) {
    while (e < evs.length && (evs[e]?.created_at ?? '') <= c.created_at) {
      const ev = evs[e++];
      if (ev) out.push(<TimelineEntry event={ev} />);
    }
    out.push(comment(c));
  }
  for (; e < evs.length; e++) {
    const ev = evs[e];
    if (ev) out.push(<TimelineEntry event={ev} />);
  }
  return out;
}
