// Calls to the API with the bearer token, in the Authorization header only.

const TOKEN_KEY = "exchanger.dashboard.token";

export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

/** The token of this tab (sessionStorage: it ends with the tab and is never sent anywhere else). */
export const token = {
  get: () => sessionStorage.getItem(TOKEN_KEY),
  set: (value) => sessionStorage.setItem(TOKEN_KEY, value),
  clear: () => sessionStorage.removeItem(TOKEN_KEY),
};

export function authorization(value = token.get()) {
  return {Authorization: `Bearer ${value}`};
}

/** JSON from `path`; ApiError with the server's `detail` when the answer is not 2xx. */
export async function call(path, {method = "GET", body, bearer} = {}) {
  const headers = {...authorization(bearer ?? token.get()), Accept: "application/json"};
  if (body !== undefined) headers["Content-Type"] = "application/json";
  let response;
  try {
    response = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      cache: "no-store",
    });
  } catch {
    throw new ApiError(0, "The API cannot be reached");
  }
  const payload = await response.json().catch(() => ({}));
  if (!response.ok) throw new ApiError(response.status, payload.detail || `HTTP ${response.status}`);
  return payload;
}

/** Who the token belongs to: {name, roles}. */
export function whoAmI(bearer) {
  return call("/v1/me", {bearer});
}
