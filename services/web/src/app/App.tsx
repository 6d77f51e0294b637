import { Navigate, Route, Routes, useLocation } from 'react-router-dom';
import type { ReactNode } from 'react';
import { canUseBackOffice, canUseFanPages, isExpired, type Claims } from './claims';
import { Shell } from './components/Shell';
import { LoginPage } from './pages/Login';
import { NotFoundPage } from './pages/NotFound';
import { backOfficeNav, backOfficeRoutes } from './pages/backoffice';
import { fanNav, fanRoutes } from './pages/fan';
import { useSession } from './session';

function Guard({ allow, children }: { allow: (c: Claims) => boolean; children: ReactNode }) {
  const { claims, logout } = useSession();
  const { pathname } = useLocation();
  if (!claims || isExpired(claims, Date.now())) {
    if (claims) logout();
    return <Navigate to="/login" state={{ from: pathname }} replace />;
  }
  if (!allow(claims)) return <NotFoundPage reason="Your token's role does not give access to this area." />;
  return <>{children}</>;
}

export function App() {
  return (
    <Routes>
      <Route path="/" element={<Navigate to="/login" replace />} />
      <Route path="/login" element={<LoginPage />} />
      <Route
        path="/back-office"
        element={
          <Guard allow={canUseBackOffice}>
            <Shell area="Back office" nav={backOfficeNav} />
          </Guard>
        }
      >
        {backOfficeRoutes}
      </Route>
      <Route
        path="/me"
        element={
          <Guard allow={canUseFanPages}>
            <Shell area="My account" nav={fanNav} />
          </Guard>
        }
      >
        {fanRoutes}
      </Route>
      <Route path="*" element={<NotFoundPage />} />
    </Routes>
  );
}
