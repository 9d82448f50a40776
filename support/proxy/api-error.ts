// Errors the API answers with: a status and the exact message upstream Toxiproxy uses (clients compare some).

export class ApiError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

export const badRequest = (message: string): ApiError => new ApiError(400, message);
export const proxyNotFound = (): ApiError => new ApiError(404, 'proxy not found');
export const toxicNotFound = (): ApiError => new ApiError(404, 'toxic not found');
export const proxyExists = (): ApiError => new ApiError(409, 'proxy already exists');
export const toxicExists = (): ApiError => new ApiError(409, 'toxic already exists');
