/** Entry of the web page bundle (built by service/web/build.ts). */
import { render } from 'preact';
import { App } from './app.tsx';
import './style.css';

render(<App />, document.getElementById('app')!);
