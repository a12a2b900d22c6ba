import { useState } from "react";

/**
 * A value shown at once but owned elsewhere (the URL): the router applies search-param changes
 * in a transition, so a checkbox bound straight to the URL springs back until the transition
 * commits. This holds what was chosen meanwhile and follows the owner whenever it changes.
 */
export function useFollowing<T>(owned: T): [T, (value: T) => void] {
  const [shown, setShown] = useState(owned);
  const [last, setLast] = useState(owned);
  if (!Object.is(last, owned)) {
    setLast(owned);
    setShown(owned);
  }
  return [shown, setShown];
}
