import { type FormEvent, useEffect, useState } from "react";
import { ApiError } from "../api/client";
import { errorHeadline, locateError } from "../lib/filter";

interface Props {
  value: string;
  onSubmit: (text: string) => void;
  /** The search error, if the last search failed. */
  error: unknown;
  /** Where the user's text starts in the filter sent to the server. */
  userOffset: number;
  placeholder?: string;
}

/** The filter-language box; a bad filter's error is shown under it, marked at its position. */
export function SearchBox({ value, onSubmit, error, userOffset, placeholder }: Props) {
  const [text, setText] = useState(value);
  useEffect(() => setText(value), [value]);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    onSubmit(text);
  };
  const filterError = error instanceof ApiError && error.code === "INVALID_FILTER" ? error : null;
  const location = filterError ? locateError(value, filterError.position, userOffset) : null;
  return (
    <form className="search-box" onSubmit={submit}>
      <input
        aria-label="Filter"
        className={filterError ? "invalid" : undefined}
        placeholder={
          placeholder ??
          "Filter, e.g. status = 'ERROR' AND span(type = 'TOOL' AND status = 'ERROR')  ·  tags.env = 'prod'  ·  text ILIKE '%refund%'"
        }
        value={text}
        spellCheck={false}
        onChange={(e) => setText(e.target.value)}
      />
      <button type="submit">Search</button>
      {filterError && (
        <div className="filter-error" role="alert" data-testid="filter-error">
          <div>{errorHeadline(filterError.message)}</div>
          {location && (
            <pre className="filter-caret" data-column={location.column}>
              {location.before}
              <mark>{location.at}</mark>
              {location.after}
              {"\n"}
              {" ".repeat(location.column)}^
            </pre>
          )}
        </div>
      )}
    </form>
  );
}
