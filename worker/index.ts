import { createApp } from './app';

/** The Worker: static files in public/ are answered before this; everything else is Hono. */
export default createApp();
