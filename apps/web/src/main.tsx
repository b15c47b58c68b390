import { render } from 'preact';
import { AppShell } from './shell/app-shell.tsx';
import './styles/app.css';

render(<AppShell />, document.getElementById('app')!);
