/** The AI proxy plugin: OpenAI-style clients served through GitHub Models and OpenAI-compatible providers. */
import { registerRootContext } from '../sdk/index.ts';
import { AiProxyRoot } from './root.ts';

registerRootContext(() => new AiProxyRoot());
