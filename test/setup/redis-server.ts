// Placeholder until the Redis store work lands: starts nothing.
export default function setup(): void {}
